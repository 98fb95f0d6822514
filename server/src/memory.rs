//! How the process's allocator hands memory back (glibc only). Photo processing and password
//! hashing allocate tens of megabytes a call on blocking threads. glibc's default raises its
//! mmap threshold after each such buffer is freed, so the next ones come from per-thread
//! arenas that keep the memory: under 30 concurrent photo uploads the server held 600–700 MB
//! afterwards. A fixed 1 MB threshold keeps large buffers mapped, returned to the system as
//! soon as they are freed, and two arenas stop a burst of blocking threads from each keeping
//! its own.

/// Call once at start, before any thread is spawned.
pub fn return_large_buffers() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets allocator parameters; it is called before other threads run.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}
