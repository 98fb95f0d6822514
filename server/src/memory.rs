//! How glibc's allocator hands memory back. The server's Rust allocations go to mimalloc
//! (main.rs); glibc still serves SQLite and the other C code, and every program built on this
//! library without main.rs (the tests). Photo processing and password hashing allocate tens
//! of megabytes a call on blocking threads; with glibc's defaults the mmap threshold rises
//! after each such buffer is freed, so the next ones come from per-thread arenas that keep
//! the memory (600–700 MB held after 30 concurrent photo uploads). A fixed 1 MB threshold
//! keeps large buffers mapped, returned as soon as they are freed, and two arenas stop a
//! burst of blocking threads from each keeping its own.

/// Call once at start, before any thread is spawned.
pub fn return_large_buffers() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets allocator parameters; it is called before other threads run.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}
