# Helpers sourced by the scripts in this folder.

# Installs the Debian packages that are missing; `apt-get update` runs once per script.
apt_install() {
  local missing=() pkg
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ -z "${GS_APT_UPDATED:-}" ]; then
    apt-get update -qq
    GS_APT_UPDATED=1
  fi
  echo "installing ${missing[*]} from Debian"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}
