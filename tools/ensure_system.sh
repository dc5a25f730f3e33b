#!/usr/bin/env bash
# Install the system pieces moodscore needs when they are missing (Debian/Ubuntu: apt-get),
# or stop naming exactly what to install. Quick when everything is already there.
set -euo pipefail
PACKAGES=(libfluidsynth3 fluidsynth fluid-soundfont-gm libportaudio2)
missing=()
if command -v dpkg >/dev/null 2>&1; then
    for package in "${PACKAGES[@]}"; do
        dpkg -s "$package" 2>/dev/null | grep -q '^Status: install ok installed' || missing+=("$package")
    done
    python3 -c 'import ensurepip, venv' 2>/dev/null || missing+=(python3-venv)
else
    ldconfig -p 2>/dev/null | grep -q 'libfluidsynth\.so\.3' || missing+=(libfluidsynth3)
    ldconfig -p 2>/dev/null | grep -q "libportaudio\.so\.2" || missing+=(libportaudio2)
    command -v fluidsynth >/dev/null 2>&1 || missing+=(fluidsynth)
    compgen -G '/usr/share/sounds/sf2/*.sf2' >/dev/null || compgen -G 'soundfonts/*.sf[23]' >/dev/null \
        || [ -n "${MOODSCORE_SOUNDFONT:-}" ] || missing+=(fluid-soundfont-gm)
fi
command -v python3 >/dev/null 2>&1 || missing+=(python3 python3-venv)
[ ${#missing[@]} -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
    echo "moodscore needs these system pieces, and apt-get is not here to install them:" >&2
    echo "  ${missing[*]}" >&2
    echo "i.e. the FluidSynth 2 library (libfluidsynth.so.3) and command-line player, a General MIDI" >&2
    echo "SoundFont (e.g. FluidR3_GM.sf2, or set MOODSCORE_SOUNDFONT), and Python >= 3.10 with venv." >&2
    exit 1
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo=sudo
echo "installing: ${missing[*]}"
$sudo apt-get update
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends "${missing[@]}"
