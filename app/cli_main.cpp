// convscope-cli: ConvScope's pipelines, headless. `convscope-cli --help` for the commands.

#include "cli_commands.hpp"
#include "cli_text.hpp"

#include <QCoreApplication>
#include <QTextStream>

#include "convscope/simd.hpp"
#include "convscope/versions.hpp"

#include <cstdio>
#include <string>

namespace {

const char* const kOverview =
    "Usage: convscope-cli COMMAND [options]\n"
    "\n"
    "Runs ConvScope pipelines (convolution, pooling and activation layers with PyTorch's\n"
    "semantics) and ONNX models without the GUI.\n"
    "\n"
    "Commands:\n"
    "  run      Run a pipeline on an image and write every layer's feature maps.\n"
    "             --image FILE      input image (default: the bundled sample)\n"
    "             --pipeline FILE   pipeline JSON or ONNX model (default: the bundled default\n"
    "                               pipeline)\n"
    "             --until NODE      ONNX models: end the import after this node\n"
    "             --strict          ONNX models: fail on a node ConvScope cannot map\n"
    "             --project FILE    a .convscope project: its image and pipeline (instead of\n"
    "                               --image and --pipeline)\n"
    "             --out DIR         output folder (required)\n"
    "             --format LIST     png,tiff,npy (comma-separated; default png)\n"
    "             --colormap NAME   auto, gray, viridis, magma, inferno, turbo, diverging\n"
    "             --backend NAME    naive or fast (default fast)\n"
    "             --contact-sheet   also one contact sheet PNG per layer (a labelled grid of its\n"
    "                               maps), named in manifest.json as \"contact_sheet\"\n"
    "           Example: convscope-cli run --image cat.png --out maps --format png,npy\n"
    "  project  Write a project file (.convscope) holding an image and a pipeline.\n"
    "             --image FILE, --pipeline FILE as for run\n"
    "             --out FILE        the project file to write (required)\n"
    "             --embed           store the image's bytes in the project too\n"
    "           Example: convscope-cli project --image cat.png --out cat.convscope --embed\n"
    "  info     Print a table of the layers: name, type, inputs, output shape, parameters,\n"
    "           FLOPs, receptive field, and the totals.\n"
    "             --image FILE, --pipeline FILE, --project FILE, --until, --strict as for run\n"
    "           Example: convscope-cli info --pipeline model.onnx\n"
    "  import   Import an ONNX model as a pipeline file (weights included).\n"
    "             MODEL.onnx        the model\n"
    "             --out FILE        the pipeline JSON to write (required)\n"
    "             --until NODE, --strict as for run\n"
    "           Example: convscope-cli import model.onnx --out model.json\n"
    "  bench    Time a fixed suite of layers on the engine, the naive reference and OpenCV.\n"
    "             --json            one JSON object instead of a table\n"
    "             --repeat N        timed runs per case (default 15, fewer for slow cases)\n"
    "             --threads N       threads for the engine and OpenCV (default: all)\n"
    "             --quick           tiny sizes, for testing the harness\n"
    "           Example: convscope-cli bench --json > bench.json\n"
    "\n"
    "Options:\n"
    "  -h, --help     Show this help (COMMAND --help: the command's options in full).\n"
    "  -v, --version  Show the version.\n"
    "\n"
    "Exit status: 0 on success, 1 for bad input (image, pipeline, model, project, output folder),\n"
    "2 for bad usage. Errors are one line on stderr naming the file, layer and field at fault.\n";

} // namespace

int main(int argc, char* argv[]) {
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName("convscope-cli");
    QCoreApplication::setApplicationVersion(CONVSCOPE_VERSION);

    // From argv itself: QCoreApplication::arguments() loses the bytes of file names that are not
    // UTF-8.
    QStringList args = convscope::cli::arguments_from(argc, argv);
    if (args.isEmpty() || args.first() == "-h" || args.first() == "--help" ||
        args.first() == "help") {
        std::fputs(kOverview, stdout);
        return args.isEmpty() ? convscope::cli::kUsage : convscope::cli::kOk;
    }
    if (args.first() == "-v" || args.first() == "--version") {
        std::string libraries = std::string("Qt ") + qVersion();
        for (const convscope::LibraryVersion& library : convscope::library_versions())
            libraries += ", " + library.name + " " + library.version;
        std::printf("convscope-cli %s (SIMD target %s; %s)\n", CONVSCOPE_VERSION,
                    convscope::simd_target().c_str(), libraries.c_str());
        return convscope::cli::kOk;
    }
    const QString command = args.takeFirst();
    if (command == "run")
        return convscope::cli::run_command(args);
    if (command == "info")
        return convscope::cli::info_command(args);
    if (command == "import")
        return convscope::cli::import_command(args);
    if (command == "bench")
        return convscope::cli::bench_command(args);
    if (command == "project")
        return convscope::cli::project_command(args);
    std::fprintf(stderr, "convscope-cli: unknown command \"%s\" (see convscope-cli --help)\n",
                 qPrintable(convscope::cli::shown(command)));
    return convscope::cli::kUsage;
}
