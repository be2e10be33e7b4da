#include "cli_commands.hpp"
#include "cli_text.hpp"
#include "resource_paths.hpp"

#include "convscope/backend.hpp"
#include "convscope/benchmark.hpp"
#include "convscope/image_io.hpp"
#include "convscope/input_preparation.hpp"
#include "convscope/map_export.hpp"
#include "convscope/memory_budget.hpp"
#include "convscope/model_metadata.hpp"
#include "convscope/onnx_import.hpp"
#include "convscope/pipeline_json.hpp"
#include "convscope/project.hpp"
#include "convscope/receptive_field.hpp"

#include <QCommandLineParser>
#include <QFileInfo>
#include <QSaveFile>
#include <QTextStream>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <stdexcept>

namespace convscope::cli {

namespace {

QTextStream& out() {
    static QTextStream stream(stdout);
    return stream;
}

// Every failure is one line on stderr that names the file and what is wrong. Messages are
// bytes (they may quote file names that are not UTF-8) made printable on one line.
int fail(int code, std::string_view message) {
    std::fprintf(stderr, "convscope-cli: %s\n", printable(message).c_str());
    return code;
}
int fail(int code, const char* message) {
    return fail(code, std::string_view(message));
}
int fail(int code, const QString& message) {
    return fail(code, std::string_view(native(message)));
}

// A refused allocation says how to allow more.
std::string with_budget_hint(const MemoryError& e) {
    return std::string(e.what()) +
           " (--max-memory SIZE sets the budget, e.g. --max-memory 16G; or use a smaller image)";
}

QCommandLineOption max_memory_option() {
    return {"max-memory",
            "Memory budget (e.g. 8G, 512M): a file, image or run that would need more is refused "
            "up front with the figure. Default: three quarters of the available memory (" +
                QString::fromStdString(format_bytes(memory_budget())) + " now).",
            "SIZE"};
}

// Applies --max-memory when given; anything but a size is one line and false.
bool apply_max_memory(const QCommandLineParser& parser, const QCommandLineOption& option,
                      int& exit_code) {
    if (!parser.isSet(option))
        return true;
    std::uint64_t bytes = 0;
    if (!parse_byte_size(parser.value(option).toStdString(), bytes)) {
        exit_code = fail(kUsage, "--max-memory: expected a size like 8G, 512M or 2000000000, "
                                 "got \"" +
                                     parser.value(option) + "\"");
        return false;
    }
    set_memory_budget(bytes);
    return true;
}

QCommandLineOption image_option() {
    return {"image",
            "Input image (any format OpenCV reads, or a float .npy of shape (H, W) or "
            "(C, H, W)). Default: the bundled sample " +
                QString(kDefaultSample) + ".",
            "FILE"};
}

QCommandLineOption pipeline_option() {
    return {"pipeline",
            "Pipeline file (JSON, see resources/pipelines) or ONNX model (.onnx), imported as a "
            "pipeline. Default: the bundled " +
                QString(kDefaultPipeline) + ".",
            "FILE"};
}

QCommandLineOption until_option() {
    return {"until",
            "ONNX models: end the import after this node (its name as Netron shows it, or the "
            "name of one of its outputs). Default: as far as the model can be mapped; a node "
            "ConvScope cannot map ends the import with a warning.",
            "NODE"};
}

QCommandLineOption strict_option() {
    return {"strict", "ONNX models: fail on a node ConvScope cannot map instead of importing the "
                      "part before it."};
}

// What the --until and --strict options ask of an ONNX import.
struct ModelOptions {
    OnnxImportOptions import;
    bool given = false; // either option is on the command line
};

ModelOptions model_options(const QCommandLineParser& parser, const QCommandLineOption& until,
                           const QCommandLineOption& strict) {
    ModelOptions options;
    options.import.until = parser.value(until).toStdString();
    options.import.strict = parser.isSet(strict);
    options.given = parser.isSet(until) || parser.isSet(strict);
    return options;
}

// An import's warnings, one line each on stderr, naming the model.
void print_warnings(const QString& path, const OnnxImport& imported) {
    for (const std::string& w : imported.warnings)
        std::fprintf(stderr, "convscope-cli: warning: %s: %s\n", qPrintable(path), w.c_str());
    if (!imported.complete())
        std::fprintf(stderr,
                     "convscope-cli: warning: %s: use --until NODE to choose where the import "
                     "ends, or --strict to refuse the model\n",
                     qPrintable(path));
}

QCommandLineOption project_option() {
    return {"project",
            "Project file (.convscope, written by the app or by convscope-cli project): "
            "its image and pipeline. Not together with --image or --pipeline.",
            "FILE"};
}

// Parses `arguments` (without the command name); on error prints one line and returns false.
// `positionals` is how many positional arguments the command takes.
bool parse(QCommandLineParser& parser, const QString& command, const QStringList& arguments,
           int& exit_code, int positionals = 0) {
    parser.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
    const QCommandLineOption help({"h", "help"}, "Show this help.");
    parser.addOption(help);
    if (!parser.parse(QStringList{"convscope-cli " + command} + arguments)) {
        exit_code =
            fail(kUsage, parser.errorText() + " (see convscope-cli " + command + " --help)");
        return false;
    }
    if (parser.isSet(help)) {
        out() << parser.helpText().replace("Usage: convscope-cli " + command + " [options]",
                                           "Usage: convscope-cli " + command + " [options]");
        out().flush();
        exit_code = kOk;
        return false;
    }
    if (parser.positionalArguments().size() > positionals) {
        exit_code = fail(kUsage, "unexpected argument \"" +
                                     parser.positionalArguments().value(positionals) +
                                     "\" (see convscope-cli " + command + " --help)");
        return false;
    }
    return true;
}

struct Inputs {
    QString image_path;
    QString pipeline_path;
    QString project_path; // empty unless --project
    Pipeline pipeline;
    Tensor image;                    // empty unless decoded
    Shape image_shape;               // always known
    std::optional<OnnxImport> model; // when the pipeline is an ONNX model
};

// A pipeline file, or an ONNX model imported as one (its warnings on stderr).
void load_pipeline_or_model(const QString& path, const ModelOptions& options, Inputs& inputs) {
    if (is_onnx_model_name(native(path))) {
        inputs.model = import_onnx(native(path), options.import);
        apply_input_metadata(*inputs.model); // the app's input preparation, from one owner
        print_warnings(path, *inputs.model);
        inputs.pipeline = inputs.model->pipeline;
        return;
    }
    if (options.given)
        throw std::invalid_argument("--until and --strict apply to ONNX models (.onnx), not to " +
                                    native(path));
    inputs.pipeline = load_pipeline(native(path));
}

// A project names both the image and the pipeline, so it excludes --image and --pipeline;
// returns false (and the usage exit code) when both kinds are given.
bool check_project_exclusive(const QCommandLineParser& parser, const QString& command,
                             const QCommandLineOption& project, const QCommandLineOption& image,
                             const QCommandLineOption& pipeline, int& exit_code) {
    if (parser.isSet(project) && (parser.isSet(image) || parser.isSet(pipeline))) {
        exit_code = fail(kUsage, "--project already names the image and the pipeline: leave out " +
                                     QString(parser.isSet(image) ? "--image" : "--pipeline") +
                                     " (see convscope-cli " + command + " --help)");
        return false;
    }
    return true;
}

// What to read of the image: all of it, or only its shape (from the header where it says).
enum class ImageNeed { Pixels, Shape };

// Loads the project's pipeline and its image (embedded, or the file it names).
Inputs load_project_inputs(const QString& path, ImageNeed need) {
    Inputs inputs;
    const std::string project_file = native(path);
    const Project project = load_project(project_file);
    inputs.project_path = path;
    inputs.pipeline_path = path;
    inputs.image_path = QString::fromStdString(project_input_label(project));
    inputs.pipeline = project.pipeline;
    try {
        if (need == ImageNeed::Shape) {
            inputs.image_shape = project_input_shape(project);
        } else {
            inputs.image = load_project_input(project);
            inputs.image_shape = inputs.image.shape();
        }
    } catch (const IoError& e) {
        throw IoError(project_file + ": " + e.what());
    } catch (const MemoryError& e) {
        throw MemoryError(e.needed(), e.budget(), project_file + ": " + e.what());
    }
    return inputs;
}

// Loads the pipeline first (it decides gray or RGB), then the image in that mode. With
// `load_image` false the image is loaded only when named (info on a model uses the size the
// model declares).
Inputs load_inputs(const QCommandLineParser& parser, const QCommandLineOption& image,
                   const QCommandLineOption& pipeline, const QCommandLineOption* project = nullptr,
                   const ModelOptions& model = {}, ImageNeed need = ImageNeed::Pixels) {
    if (project && parser.isSet(*project)) {
        if (model.given)
            throw std::invalid_argument("--until and --strict apply to ONNX models, not to "
                                        "projects");
        return load_project_inputs(parser.value(*project), need);
    }
    Inputs inputs;
    inputs.pipeline_path =
        parser.isSet(pipeline) ? parser.value(pipeline) : resource_path(kDefaultPipeline);
    inputs.image_path = parser.isSet(image) ? parser.value(image) : resource_path(kDefaultSample);
    load_pipeline_or_model(inputs.pipeline_path, model, inputs);
    if (need == ImageNeed::Shape && !parser.isSet(image) && inputs.model &&
        inputs.model->model.declares_input_size()) {
        // info on a model without --image: the size the model declares.
        const auto& dims = inputs.model->model.input_dims;
        inputs.image_path.clear();
        inputs.image_shape = {static_cast<int>(dims[1]), static_cast<int>(dims[2]),
                              static_cast<int>(dims[3])};
    } else if (need == ImageNeed::Shape) {
        // Fitted to the pipeline's input size where it says so, as the app does.
        inputs.image_shape =
            fitted_shape(peek_input_shape(native(inputs.image_path), inputs.pipeline.input_mode),
                         inputs.pipeline.input_size, inputs.pipeline.input_fit);
    } else {
        inputs.image = fit_input(load_input(native(inputs.image_path), inputs.pipeline.input_mode),
                                 inputs.pipeline.input_size, inputs.pipeline.input_fit);
        inputs.image_shape = inputs.image.shape();
    }
    return inputs;
}

// Runs `work` so that what it throws about the pipeline names its file (or the project) as
// well as the layer, and a memory refusal names the pipeline and the image.
template <class Work> void naming_inputs(const Inputs& inputs, Work&& work) {
    try {
        work();
    } catch (const PipelineError& e) {
        throw PipelineError(e.layer_index(), e.field(),
                            native(inputs.pipeline_path) + ": " + e.what());
    } catch (const MemoryError& e) {
        const std::string what =
            inputs.project_path.isEmpty()
                ? native(inputs.pipeline_path) + " on " + native(inputs.image_path)
                : native(inputs.project_path);
        throw MemoryError(e.needed(), e.budget(), what + ": " + e.what());
    }
}

std::vector<Shape> shapes_of(const Inputs& inputs) {
    std::vector<Shape> shapes;
    naming_inputs(inputs, [&] { shapes = infer_shapes(inputs.pipeline, inputs.image_shape); });
    return shapes;
}

QString format_flops(double flops) {
    if (flops >= 1e9)
        return QString::number(flops / 1e9, 'f', 2) + " G";
    if (flops >= 1e6)
        return QString::number(flops / 1e6, 'f', 2) + " M";
    if (flops >= 1e3)
        return QString::number(flops / 1e3, 'f', 2) + " k";
    return QString::number(flops, 'f', 0) + " ";
}

QString shape_text(Shape s) {
    return QString::fromStdString(s.str());
}

// The benchmark's inputs are cut from this large photo (2560×1707).
const char* const kBenchmarkPhoto = "samples/rocket-large.jpg";

// Reads `option` (when given) as a whole number ≥ 1; anything else is one line and false.
bool positive_count(const QCommandLineParser& parser, const QCommandLineOption& option, int& value,
                    int& exit_code) {
    if (!parser.isSet(option))
        return true;
    bool ok = false;
    const QString text = parser.value(option);
    const int n = text.toInt(&ok);
    if (!ok || n < 1) {
        exit_code = fail(kUsage, "--" + option.names().first() + ": expected a whole number of " +
                                     "at least 1, got \"" + text + "\"");
        return false;
    }
    value = n;
    return true;
}

// Progress on stderr while the table is being measured: a slow case takes several seconds.
void report_progress(BenchOptions& options) {
    options.on_case_start = [](int index, int count, const std::string& name) {
        std::fprintf(stderr, "[%2d/%d] %-24s", index + 1, count, name.c_str());
        std::fflush(stderr);
    };
    options.on_case_done = [](const BenchCase& c) {
        std::fprintf(stderr, " engine %9.3f ms, naive %9.3f ms\n", c.engine_ms, c.naive_ms);
    };
}

// A warning per case whose fast and naive outputs differ, as soon as it is measured.
void warn_on_disagreement(BenchOptions& options) {
    options.on_case_done = [previous = options.on_case_done](const BenchCase& c) {
        if (previous)
            previous(c);
        if (!c.agrees)
            std::fprintf(stderr,
                         "convscope-cli: warning: %s: the fast and naive backends disagree "
                         "(max relative error %.2g > %.0e)\n",
                         c.name.c_str(), c.max_rel_error, c.tolerance);
    };
}

} // namespace

int run_command(const QStringList& arguments) {
    QCommandLineParser parser;
    parser.setApplicationDescription(
        "Runs a pipeline (or an ONNX model) on an image and writes every layer's feature maps to a "
        "folder. The last layer's maps.npy of a model is the model's output for the image.\n\n"
        "Example:\n"
        "  convscope-cli run --image photo.jpg --pipeline resources/pipelines/edge-detectors.json "
        "--out maps --format png,npy --colormap magma\n"
        "  convscope-cli run --image x.npy --pipeline model.onnx --out maps --format npy\n"
        "  convscope-cli run --project session.convscope --out maps --contact-sheet");
    const QCommandLineOption image = image_option();
    const QCommandLineOption pipeline = pipeline_option();
    const QCommandLineOption project = project_option();
    const QCommandLineOption contact_sheet(
        "contact-sheet",
        "Also write one contact sheet per layer (all its maps on a labelled grid, coloured with "
        "--colormap) as DIR/<layer folder>/contact_sheet.png, named in the layer's manifest "
        "entry as \"contact_sheet\".");
    const QCommandLineOption out_dir(
        "out", "Output folder (created if missing) for the maps and manifest.json. Required.",
        "DIR");
    const QCommandLineOption format(
        "format",
        "Comma-separated list of: png (8-bit, colormapped, normalised per map), tiff (float32, raw "
        "values, one file per map), npy (float32 array (C, H, W) per layer). Default: png.",
        "LIST", "png");
    const QCommandLineOption colormap(
        "colormap",
        "Colormap for PNGs: " + QString::fromStdString(colormap_names()) +
            ". Default auto: viridis for non-negative maps, diverging (blue-white-red, centred on "
            "zero) for maps with both signs.",
        "NAME", "auto");
    const QCommandLineOption backend(
        "backend", "Engine backend: naive (reference loops) or fast. Default: fast.", "NAME",
        "fast");
    const QCommandLineOption until = until_option();
    const QCommandLineOption strict = strict_option();
    const QCommandLineOption max_memory = max_memory_option();
    parser.addOptions({image, pipeline, project, out_dir, format, colormap, backend, contact_sheet,
                       until, strict, max_memory});
    int exit_code = kOk;
    if (!parse(parser, "run", arguments, exit_code) ||
        !check_project_exclusive(parser, "run", project, image, pipeline, exit_code) ||
        !apply_max_memory(parser, max_memory, exit_code))
        return exit_code;

    if (!parser.isSet(out_dir))
        return fail(kUsage, "run needs --out DIR (see convscope-cli run --help)");
    ExportRequest request;
    request.out_dir = native(parser.value(out_dir));
    request.contact_sheets = parser.isSet(contact_sheet);
    std::string bad;
    if (!parse_export_formats(parser.value(format).toStdString(), request.formats, bad))
        return fail(kUsage, "--format: unknown format \"" + QString::fromStdString(bad) +
                                "\" (use png, tiff, npy, comma-separated)");
    if (!parse_colormap(parser.value(colormap).toStdString(), request.colormap))
        return fail(kUsage, "--colormap: unknown colormap \"" + parser.value(colormap) +
                                "\" (use " + QString::fromStdString(colormap_names()) + ")");
    const QString backend_name = parser.value(backend);
    if (backend_name != "naive" && backend_name != "fast")
        return fail(kUsage,
                    "--backend: unknown backend \"" + backend_name + "\" (use naive or fast)");

    try {
        Inputs inputs =
            load_inputs(parser, image, pipeline, &project, model_options(parser, until, strict));
        const auto engine =
            make_backend(backend_name == "naive" ? BackendKind::Naive : BackendKind::Fast);
        // Each layer's maps are written as soon as they are computed and let go once no later
        // layer reads them: a large image needs memory for the maps still needed, not for all.
        RunOptions options;
        options.release_consumed = true;
        naming_inputs(inputs, [&] {
            engine->check_memory(inputs.pipeline, inputs.image_shape, options);
        }); // before anything is written
        request.image_path = native(inputs.image_path);
        request.pipeline_path = native(inputs.pipeline_path);
        request.backend = engine->name();
        request.project_path = native(inputs.project_path);
        // A model run as imported: the manifest names the file instead of copying its weights.
        if (inputs.model)
            request.model =
                ModelReference{native(QFileInfo(inputs.pipeline_path).absoluteFilePath()),
                               inputs.model->model.sha256, parser.value(until).toStdString()};
        auto input = std::make_shared<const Tensor>(std::move(inputs.image));
        RunExporter exporter(request, inputs.pipeline, *input);
        options.on_computed = [&exporter](const RunResult& result, int first, int count) {
            for (int k = first; k < first + count; ++k)
                exporter.write_layer(k, result.layers[k]);
        };
        double total_ms = 0;
        naming_inputs(inputs, [&] {
            total_ms = engine->run(inputs.pipeline, std::move(input), options).total_ms();
        });
        exporter.finish();
        out() << "Ran " << inputs.pipeline.layers.size() << " layers on "
              << shown(inputs.image_path) << " " << shape_text(inputs.image_shape) << " in "
              << QString::number(total_ms, 'f', 1) << " ms ("
              << QString::fromStdString(engine->name()) << "); maps and manifest.json in "
              << shown(parser.value(out_dir)) << "\n";
        out().flush();
    } catch (const std::invalid_argument& e) {
        return fail(kUsage, e.what());
    } catch (const MemoryError& e) {
        return fail(kFailed, with_budget_hint(e));
    } catch (const std::bad_alloc&) {
        // The budget's estimates should make this unreachable; if not, still one clear line.
        return fail(kFailed, "out of memory: the system refused more than the run's estimate "
                             "(--max-memory SIZE lowers the budget ConvScope checks first)");
    } catch (const std::exception& e) {
        return fail(kFailed, e.what());
    }
    return kOk;
}

namespace {

// The input preparation a pipeline states, for info: "(x - mean) / std, mean [0.48, 0.46, 0.41];
// resized to 28×28". Empty when the image runs as it is.
QString preparation_text(const Pipeline& p) {
    const auto list = [](const std::vector<float>& v) {
        QStringList parts;
        for (const float x : v)
            parts << QString::number(double(x), 'g', 7);
        return "[" + parts.join(", ") + "]";
    };
    QStringList parts;
    if (!p.normalization.identity()) {
        QString text = "(x - mean) / std";
        if (!p.normalization.mean.empty())
            text += ", mean " + list(p.normalization.mean);
        if (!p.normalization.std_dev.empty())
            text += ", std " + list(p.normalization.std_dev);
        parts << text;
    }
    if (p.input_size.h > 0 && p.input_fit != InputFit::Whole)
        parts << (p.input_fit == InputFit::Resize ? QStringLiteral("resized to %1×%2")
                                                  : QStringLiteral("centre-cropped to %1×%2"))
                     .arg(p.input_size.h)
                     .arg(p.input_size.w);
    return parts.join("; ");
}

// A layer's inputs as the table shows them: "in" for the pipeline's input, else layer numbers.
QString inputs_text(const Layer& layer, int index) {
    QStringList parts;
    for (int k = 0; k < input_count(layer); ++k) {
        const int from = input_index(layer, index, k);
        parts << (from == kPipelineInput ? QStringLiteral("in") : QString::number(from + 1));
    }
    return parts.join(',');
}

// The receptive field of the centre value of layer `index` on the input: rows × columns.
QString receptive_field_text(const Pipeline& pipeline, Shape input, int index, Shape out) {
    // receptive_field() traces straight stacks of convs, pools and point-wise layers; through a
    // skip connection, a pad, a flatten or a linear layer its positions would not be the ones
    // that layer reads, so those fields are not shown.
    for (int i = 0; i <= index; ++i) {
        const Layer& layer = pipeline.layers[static_cast<std::size_t>(i)];
        const bool traced = std::holds_alternative<Conv2d>(layer.op) ||
                            std::holds_alternative<Pool2d>(layer.op) ||
                            std::holds_alternative<Activation>(layer.op) ||
                            std::holds_alternative<BatchNorm2d>(layer.op) ||
                            std::holds_alternative<Softmax>(layer.op);
        if (!layer.inputs.empty() || (layer.enabled && !traced))
            return QStringLiteral("?");
    }
    try {
        const ReceptiveField field =
            receptive_field(pipeline, input, index, 0, out.height / 2, out.width / 2);
        const FieldLevel& level = field.levels.front();
        return QString::number(level.rows.extent()) + QStringLiteral("×") +
               QString::number(level.cols.extent());
    } catch (const std::exception&) {
        return QStringLiteral("?");
    }
}

// "add \"/block1/Add\"": a layer in messages.
QString layer_label(const Layer& layer) {
    QString label = QString::fromStdString(std::string(type_name(layer)));
    if (!layer.name.empty())
        label += " \"" + QString::fromStdString(layer.name) + "\"";
    return label;
}

QString with_thousands(long long n) {
    QString digits = QString::number(n < 0 ? -n : n);
    for (int i = digits.size() - 3; i > 0; i -= 3)
        digits.insert(i, ',');
    return (n < 0 ? QStringLiteral("-") : QString()) + digits;
}

struct TableRow {
    QString index, name, type, inputs, shape, params, flops, field;
};

void print_table(const std::vector<TableRow>& rows) {
    int widths[8] = {};
    const auto cells = [](const TableRow& r) {
        return std::array<const QString*, 8>{&r.index, &r.name,   &r.type,  &r.inputs,
                                             &r.shape, &r.params, &r.flops, &r.field};
    };
    for (const TableRow& r : rows) {
        const auto c = cells(r);
        for (int i = 0; i < 8; ++i)
            widths[i] =
                std::max(widths[i], static_cast<int>(c[static_cast<std::size_t>(i)]->size()));
    }
    // Numbers right-aligned, text left-aligned.
    const bool right[8] = {true, false, false, false, false, true, true, true};
    for (const TableRow& r : rows) {
        const auto c = cells(r);
        QString line;
        for (int i = 0; i < 8; ++i) {
            if (i)
                line += QStringLiteral("  ");
            line += right[i] ? c[static_cast<std::size_t>(i)]->rightJustified(widths[i])
                             : c[static_cast<std::size_t>(i)]->leftJustified(widths[i]);
        }
        while (line.endsWith(' '))
            line.chop(1);
        out() << line << "\n";
    }
}

} // namespace

int info_command(const QStringList& arguments) {
    QCommandLineParser parser;
    parser.setApplicationDescription(
        "Prints a table of the layers of a pipeline or an ONNX model on an image, like torchinfo: "
        "each layer's name, type, the layers it reads (\"in\": the input), output shape, "
        "parameters, FLOPs (a multiply-add counts 2) and receptive field (the input rows × "
        "columns its centre value depends on), then the totals. For a model without --image the "
        "input is the size the model declares.\n\n"
        "Example:\n"
        "  convscope-cli info --pipeline resources/pipelines/first-layers-of-a-cnn.json "
        "--image photo.png\n"
        "  convscope-cli info --pipeline model.onnx");
    const QCommandLineOption image = image_option();
    const QCommandLineOption pipeline = pipeline_option();
    const QCommandLineOption project = project_option();
    const QCommandLineOption until = until_option();
    const QCommandLineOption strict = strict_option();
    const QCommandLineOption max_memory = max_memory_option();
    parser.addOptions({image, pipeline, project, until, strict, max_memory});
    int exit_code = kOk;
    if (!parse(parser, "info", arguments, exit_code) ||
        !check_project_exclusive(parser, "info", project, image, pipeline, exit_code) ||
        !apply_max_memory(parser, max_memory, exit_code))
        return exit_code;

    try {
        // Only the image's shape: from its header, without decoding it (for a model without
        // --image, the size the model declares).
        const Inputs inputs = load_inputs(parser, image, pipeline, &project,
                                          model_options(parser, until, strict), ImageNeed::Shape);
        const Shape input = inputs.image_shape;
        const QString input_text = inputs.image_path.isEmpty()
                                       ? QStringLiteral("the size the model declares")
                                       : shown(inputs.image_path);
        const std::vector<Shape> shapes = shapes_of(inputs);
        const std::vector<LayerCost> costs = layer_costs(inputs.pipeline, input);
        if (inputs.model) {
            const OnnxModelInfo& m = inputs.model->model;
            out() << "Model:    " << shown(inputs.pipeline_path) << " (ONNX opset " << m.opset;
            if (!m.producer_name.empty())
                out()
                    << ", written by "
                    << QString::fromStdString(m.producer_name + " " + m.producer_version).trimmed();
            out() << ")\n";
            out() << "Imported: " << inputs.pipeline.layers.size() << " layers"
                  << (inputs.model->complete()
                          ? QString()
                          : QStringLiteral(", up to ") +
                                QString::fromStdString(inputs.model->stopped_at) +
                                QStringLiteral(" (left out)"))
                  << "\n";
        } else {
            out() << "Pipeline: " << shown(inputs.pipeline_path) << "\n";
            if (!inputs.pipeline.description.empty())
                out() << "  " << QString::fromStdString(inputs.pipeline.description) << "\n";
        }
        out() << "Input:    " << input_text << " ("
              << QString::fromStdString(std::string(to_string(inputs.pipeline.input_mode))) << ") "
              << shape_text(input) << "\n";
        if (const QString prepared = preparation_text(inputs.pipeline); !prepared.isEmpty())
            out() << "Prepared: " << prepared << "\n";
        out() << "\n";

        std::vector<TableRow> rows;
        rows.push_back(
            {"#", "layer", "type", "inputs", "output shape", "params", "FLOPs", "receptive field"});
        long long total_params = 0;
        double total_flops = 0;
        for (std::size_t i = 0; i < shapes.size(); ++i) {
            const Layer& layer = inputs.pipeline.layers[i];
            const int index = static_cast<int>(i);
            const LayerCost& cost = costs[i];
            total_params += cost.parameters;
            total_flops += cost.flops;
            QString type = QString::fromStdString(std::string(type_name(layer)));
            if (!layer.enabled)
                type += " (off)";
            rows.push_back({QString::number(i + 1), QString::fromStdString(layer.name), type,
                            inputs_text(layer, index), shape_text(shapes[i]),
                            QString::number(cost.parameters), format_flops(cost.flops) + "FLOP",
                            receptive_field_text(inputs.pipeline, input, index, shapes[i])});
        }
        print_table(rows);
        out() << "\nTotal: " << with_thousands(total_params) << " parameters, "
              << format_flops(total_flops) << "FLOP per run\n";
        // What running it takes: `run` lets each layer's maps go once written and no longer
        // read; the app keeps every layer's maps to show them.
        const auto engine = make_backend(BackendKind::Fast);
        RunOptions streamed;
        streamed.release_consumed = true;
        const MemoryEstimate run_memory =
            engine->estimate_memory(inputs.pipeline, inputs.image_shape, streamed);
        const MemoryEstimate kept = engine->estimate_memory(inputs.pipeline, inputs.image_shape);
        const auto bytes = [](std::uint64_t n) { return QString::fromStdString(format_bytes(n)); };
        out() << "Memory: run needs " << bytes(run_memory.total()) << " ("
              << QString::fromStdString(run_memory.breakdown()) << "); the app about "
              << bytes(memory_to_show(kept, inputs.image_shape))
              << " (every layer's maps, twice while an edit is computed); budget "
              << bytes(memory_budget()) << "\n";
        out().flush();
    } catch (const std::invalid_argument& e) {
        return fail(kUsage, e.what());
    } catch (const MemoryError& e) {
        return fail(kFailed, with_budget_hint(e));
    } catch (const std::exception& e) {
        return fail(kFailed, e.what());
    }
    return kOk;
}

int import_command(const QStringList& arguments) {
    QCommandLineParser parser;
    parser.setApplicationDescription(
        "Imports an ONNX model as a pipeline file (JSON, weights included) that the app and "
        "convscope-cli open, edit and version like any other. Each layer is named as its ONNX "
        "node is; a node ConvScope cannot map ends the import with a warning (see --until, "
        "--strict).\n\n"
        "Example:\n"
        "  convscope-cli import model.onnx --out model.json\n"
        "  convscope-cli import model.onnx --out stem.json --until /layer1/layer1.0/relu/Relu");
    parser.addPositionalArgument("MODEL", "The ONNX model (.onnx) to import.");
    const QCommandLineOption out_file("out", "The pipeline file to write (JSON). Required.",
                                      "FILE");
    const QCommandLineOption until = until_option();
    const QCommandLineOption strict = strict_option();
    parser.addOptions({out_file, until, strict});
    int exit_code = kOk;
    if (!parse(parser, "import", arguments, exit_code, 1))
        return exit_code;
    if (parser.positionalArguments().isEmpty())
        return fail(kUsage,
                    "import needs a model: convscope-cli import MODEL.onnx --out FILE.json");
    if (!parser.isSet(out_file))
        return fail(kUsage, "import needs --out FILE.json (see convscope-cli import --help)");
    const QString model_path = parser.positionalArguments().first();
    const QString path = parser.value(out_file);
    try {
        const ModelOptions options = model_options(parser, until, strict);
        OnnxImport imported = import_onnx(native(model_path), options.import);
        apply_input_metadata(imported); // the pipeline file runs the model as the app does
        print_warnings(model_path, imported);
        std::string text;
        try {
            text = serialize_pipeline(imported.pipeline);
        } catch (const std::exception&) {
            // Name the first layer the file format cannot hold.
            for (std::size_t i = 0; i < imported.pipeline.layers.size(); ++i) {
                Pipeline one;
                one.layers.push_back(imported.pipeline.layers[i]);
                try {
                    (void)serialize_pipeline(one);
                } catch (const std::exception&) {
                    return fail(kFailed, path + ": the pipeline file format cannot hold layer " +
                                             QString::number(i + 1) + " (" +
                                             layer_label(one.layers[0]) + ")");
                }
            }
            return fail(kFailed, path + ": the pipeline file format cannot hold this model");
        }
        // The file must read back as the same pipeline, or it would lose part of the model.
        Pipeline reread;
        try {
            reread = parse_pipeline(text);
        } catch (const PipelineError& e) {
            const int i = e.layer_index();
            if (i < 0 || i >= static_cast<int>(imported.pipeline.layers.size()))
                return fail(kFailed, path + ": the pipeline file format cannot hold this model");
            return fail(kFailed,
                        path + ": the pipeline file format cannot hold layer " +
                            QString::number(i + 1) + " (" +
                            layer_label(imported.pipeline.layers[static_cast<std::size_t>(i)]) +
                            ")");
        }
        for (std::size_t i = 0; i < imported.pipeline.layers.size(); ++i)
            if (i >= reread.layers.size() || !(reread.layers[i] == imported.pipeline.layers[i]))
                return fail(kFailed, path + ": the pipeline file format cannot hold layer " +
                                         QString::number(i + 1) + " (" +
                                         layer_label(imported.pipeline.layers[i]) +
                                         ") as imported");
        if (!(reread == imported.pipeline))
            return fail(kFailed, path + ": the pipeline file format cannot hold this model's "
                                        "input settings");
        QSaveFile file(path);
        const QByteArray bytes = QByteArray::fromStdString(text);
        if (!file.open(QIODevice::WriteOnly) || file.write(bytes) != bytes.size() || !file.commit())
            return fail(kFailed, path + ": cannot be written (" + file.errorString() + ")");
        long long params = 0;
        for (const Layer& layer : imported.pipeline.layers)
            params += layer_cost(layer, {}, {}).parameters;
        out() << "Imported " << imported.pipeline.layers.size() << " layers ("
              << with_thousands(params) << " parameters) from " << model_path << " into " << path
              << "\n";
        out().flush();
    } catch (const std::invalid_argument& e) {
        return fail(kUsage, e.what());
    } catch (const std::exception& e) {
        return fail(kFailed, e.what());
    }
    return kOk;
}

int bench_command(const QStringList& arguments) {
    QCommandLineParser parser;
    parser.setApplicationDescription(
        "Times a fixed suite of convolution, pooling and activation layers and the default "
        "pipeline on the fast engine, the naive reference and OpenCV's nearest equivalent, on "
        "inputs cut from the bundled photo (1920x1080 gray unless the case names another size). "
        "Times are medians of wall-clock runs after a warm-up; the fast and naive outputs are "
        "compared once per case. Takes a few minutes.\n\n"
        "Example:\n"
        "  convscope-cli bench --json --threads 2 > bench.json");
    const QCommandLineOption json("json", "Print one JSON object instead of a table.");
    const QCommandLineOption repeat(
        "repeat",
        "Timed runs of the engine and OpenCV per case. Default: 15, fewer for cases slower than "
        "about a second. The naive reference runs at most 3 times (once if a run takes > 1 s).",
        "N");
    const QCommandLineOption threads(
        "threads", "Threads for the engine and OpenCV. Default: every hardware thread (at most).",
        "N");
    const QCommandLineOption quick("quick", "Tiny sizes, for testing the harness (1/16 of each "
                                            "image side, one run): the times mean nothing.");
    const QCommandLineOption cases("cases",
                                   "Run only these cases (comma-separated names, as the table "
                                   "lists them). Default: every case.",
                                   "NAMES");
    parser.addOptions({json, repeat, threads, quick, cases});
    int exit_code = kOk;
    if (!parse(parser, "bench", arguments, exit_code))
        return exit_code;

    BenchOptions options;
    if (!positive_count(parser, repeat, options.repeat, exit_code) ||
        !positive_count(parser, threads, options.threads, exit_code))
        return exit_code;
    options.quick = parser.isSet(quick);
    for (const QString& name : parser.value(cases).split(',', Qt::SkipEmptyParts))
        options.cases.push_back(name.trimmed().toStdString());
    options.default_pipeline_path = resource_path(kDefaultPipeline).toStdString();
    options.default_sample_path = resource_path(kDefaultSample).toStdString();
    options.photo_path = resource_path(kBenchmarkPhoto).toStdString();
    const bool as_json = parser.isSet(json);
    if (!as_json)
        report_progress(options);
    warn_on_disagreement(options);

    try {
        const BenchReport report = run_benchmark(options);
        const std::string text = as_json ? bench_report_json(report) : bench_report_table(report);
        if (!as_json)
            std::fputs("\n", stderr);
        std::fputs(text.c_str(), stdout);
        std::fflush(stdout);
    } catch (const std::invalid_argument& e) { // a case name that is not in the suite
        return fail(kUsage, QString(e.what()) + " (see convscope-cli bench --help)");
    } catch (const std::exception& e) {
        return fail(kFailed, e.what());
    }
    return kOk;
}

int project_command(const QStringList& arguments) {
    QCommandLineParser parser;
    parser.setApplicationDescription(
        "Writes a project file (.convscope) that holds an image and a pipeline, for the app "
        "(convscope FILE.convscope) and for convscope-cli run --project. The image is stored as a "
        "path relative to the project file, so the project can move together with its image; "
        "with --embed the image file's bytes are stored too and the project stands alone.\n\n"
        "Example:\n"
        "  convscope-cli project --image photo.jpg --pipeline resources/pipelines/default.json "
        "--out session.convscope --embed");
    const QCommandLineOption image = image_option();
    const QCommandLineOption pipeline = pipeline_option();
    const QCommandLineOption out_file("out", "The project file to write. Required.", "FILE");
    const QCommandLineOption embed(
        "embed", "Store the image file's bytes in the project (base64), not only its path.");
    const QCommandLineOption max_memory = max_memory_option();
    parser.addOptions({image, pipeline, out_file, embed, max_memory});
    int exit_code = kOk;
    if (!parse(parser, "project", arguments, exit_code) ||
        !apply_max_memory(parser, max_memory, exit_code))
        return exit_code;
    if (!parser.isSet(out_file))
        return fail(kUsage,
                    "project needs --out FILE.convscope (see convscope-cli project --help)");

    const QString path = parser.value(out_file);
    if (native(path) != path.toStdString())
        return fail(kFailed, shown(path) + ": a project file needs a name that is valid UTF-8");
    try {
        // Loading both checks that the project will open and run: the pipeline parses and the
        // image decodes in the pipeline's input mode.
        const Inputs inputs = load_inputs(parser, image, pipeline);
        const Project project =
            make_project(native(inputs.image_path), inputs.pipeline, parser.isSet(embed));
        const QString dir = QFileInfo(path).absolutePath();
        const QByteArray text =
            QByteArray::fromStdString(serialize_project(project, dir.toStdString()));
        // Atomic: the old file stays whole until the new one is complete.
        QSaveFile file(path);
        if (!file.open(QIODevice::WriteOnly) || file.write(text) != text.size() || !file.commit())
            return fail(kFailed, path + ": cannot be written (" + file.errorString() + ")");
        out() << "Wrote " << path << ": image " << shown(inputs.image_path)
              << (project.has_embedded_image()
                      ? " (embedded, " + QString::number(project.embedded_image.size()) + " bytes)"
                      : QString())
              << ", pipeline " << shown(inputs.pipeline_path) << " ("
              << inputs.pipeline.layers.size() << " layers)\n";
        out().flush();
    } catch (const MemoryError& e) {
        return fail(kFailed, with_budget_hint(e));
    } catch (const std::exception& e) {
        return fail(kFailed, e.what());
    }
    return kOk;
}

} // namespace convscope::cli
