#!/bin/sh
# Regenerates the README's screenshots from the running app (offscreen, no display needed):
#   scripts/screenshots.sh [BUILD_DIR]      (default: build)
# Writes docs/screenshots/*.png: the README's pictures on a 1920 × 1080 screen, and the first
# window as it opens on a 1280 × 720 projector and on a 1920 × 1080 screen, with presentation
# mode on both. Run it again whenever the UI changes.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-"$here/build"}
app="$build/bin/convscope"
out="$here/docs/screenshots"
[ -x "$app" ] || { echo "no $app: build the convscope target first" >&2; exit 1; }
mkdir -p "$out"
# A private settings folder per picture: saved window layouts, recent files and the first-step
# hint's state do not leak into the pictures.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
platform=${QT_QPA_PLATFORM:-offscreen}
# The offscreen platform's screen, of the size given (other platforms use the real screen).
screen() {
    if [ "$platform" = offscreen ]; then
        printf '{"screens": [{"name": "shot", "x": 0, "y": 0, "width": %s, "height": %s, "logicalDpi": 96}]}\n' \
            "$1" "$2" >"$work/screen-$1x$2.json"
        QT_QPA_PLATFORM="offscreen:configfile=$work/screen-$1x$2.json"
    else
        QT_QPA_PLATFORM=$platform
    fi
    export QT_QPA_PLATFORM
}
run() {
    name=$1
    shift
    XDG_CONFIG_HOME=$(mktemp -d "$work/config.XXXXXX") "$app" --screenshot "$out/$name.png" "$@"
}
shot() { name=$1; shift; run "$name" --size 1600x1000 "$@"; }

screen 1920 1080
shot main-window
shot dark-palette --dark --focus 4:3
shot edge-detectors "$here/resources/pipelines/edge-detectors.json" "$here/resources/samples/camera.png" --focus 1:1
shot first-layers-of-a-cnn "$here/resources/pipelines/first-layers-of-a-cnn.json" "$here/resources/samples/astronaut.png"
shot statistics "$here/resources/samples/coffee.png" --focus 1:4 --dock statisticsDock
# The trained face-recognition trunk on the astronaut: conv1's filters as colour pictures beside
# their maps, and a deep layer of 64 maps (collapsed bands, heat-map filters).
"$build/bin/convscope-cli" import "$here/resources/models/face-recognition/face_recognition_trunk.onnx" \
    --out "$work/face.json" >/dev/null
shot conv1-filters "$work/face.json" "$here/resources/samples/astronaut.png" --dock filtersDock --focus 1:2
shot deep-layers "$work/face.json" "$here/resources/samples/astronaut.png" --dock filtersDock --focus 46:1
shot fashion-prediction "$here/resources/models/fashion-mnist/fashion_mnist_cnn.onnx" "$here/resources/samples/fashion-mnist/t-shirt-top.png" --focus 1:1 --dock inputDock
run first-window-1920x1080
run presentation-1920x1080 --presentation --focus 1:2

screen 1280 720
run first-window-1280x720
run sliding-window-1280x720 --focus 1:1 --dock slidingWindowDock
run presentation-1280x720 --presentation --focus 1:2
