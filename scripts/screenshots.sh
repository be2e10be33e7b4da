#!/bin/sh
# Regenerates the README's screenshots from the running app (offscreen, no display needed):
#   scripts/screenshots.sh [BUILD_DIR]      (default: build)
# Writes docs/screenshots/*.png. Run it again whenever the UI changes.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-"$here/build"}
app="$build/bin/convscope"
out="$here/docs/screenshots"
[ -x "$app" ] || { echo "no $app: build the convscope target first" >&2; exit 1; }
mkdir -p "$out"
# A private settings folder: saved window layouts and recent files do not leak into the pictures.
XDG_CONFIG_HOME=$(mktemp -d)
export XDG_CONFIG_HOME QT_QPA_PLATFORM=${QT_QPA_PLATFORM:-offscreen}
trap 'rm -rf "$XDG_CONFIG_HOME"' EXIT
shot() { name=$1; shift; "$app" --size 1600x1000 --screenshot "$out/$name.png" "$@"; }
shot main-window
shot dark-palette --dark --focus 4:3
shot edge-detectors "$here/resources/pipelines/edge-detectors.json" "$here/resources/samples/camera.png" --focus 1:1
shot first-layers-of-a-cnn "$here/resources/pipelines/first-layers-of-a-cnn.json" "$here/resources/samples/astronaut.png"
shot statistics "$here/resources/samples/coffee.png" --focus 1:4 --dock statisticsDock
