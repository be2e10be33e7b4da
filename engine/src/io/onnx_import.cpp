// ONNX import: read under limits, check the graph, cut it before the first op ConvScope does not
// map (or after --until), bring what is left to one opset with libonnx's version converter, then
// map node by node through the op table (onnx/onnx_ops.hpp).

#include "convscope/onnx_import.hpp"
#include "convscope/sha256.hpp"

#include "one_line.hpp"
#include "onnx/onnx_context.hpp"
#include "onnx/onnx_errors.hpp"
#include "onnx/onnx_graph.hpp"
#include "onnx/onnx_model_file.hpp"
#include "onnx/onnx_ops.hpp"
#include "onnx/onnx_tensor.hpp"

#include <onnx/shape_inference/implementation.h>
#include <onnx/version_converter/convert.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <new>
#include <optional>
#include <unordered_set>

namespace convscope {

using namespace onnx_import;

const std::string* OnnxModelInfo::property(std::string_view key) const {
    for (const auto& [k, v] : properties)
        if (k == key)
            return &v;
    return nullptr;
}

bool OnnxModelInfo::declares_input_size() const {
    return input_dims.size() == 4 && input_dims[2] > 0 && input_dims[3] > 0;
}

int OnnxImport::layer_of(std::string_view tensor) const {
    for (auto it = tensor_layers.rbegin(); it != tensor_layers.rend(); ++it)
        if (it->first == tensor)
            return it->second;
    return kNoLayer;
}

bool is_onnx_model_name(std::string_view path) {
    if (path.size() < 5)
        return false;
    std::string ext(path.substr(path.size() - 5));
    for (char& c : ext)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return ext == ".onnx";
}

namespace {

constexpr int kLargestInputSide = 1 << 16;

OnnxModelInfo read_info(const onnx::ModelProto& model) {
    OnnxModelInfo info;
    info.ir_version = model.ir_version();
    info.producer_name = model.producer_name();
    info.producer_version = model.producer_version();
    info.domain = model.domain();
    info.model_version = model.model_version();
    info.doc_string = model.doc_string();
    info.graph_name = model.graph().name();
    info.graph_doc_string = model.graph().doc_string();
    for (const auto& p : model.metadata_props())
        info.properties.emplace_back(p.key(), p.value());
    for (const auto& o : model.graph().output())
        info.output_names.push_back(o.name());
    for (const auto& op : model.opset_import())
        if (is_default_domain(op.domain()))
            info.opset = static_cast<int>(std::clamp<std::int64_t>(op.version(), 0, 1 << 20));
    return info;
}

std::string opset_range() {
    return std::to_string(kOnnxMinOpset) + "–" + std::to_string(kOnnxTargetOpset);
}

void check_opset(const onnx::ModelProto& model, const OnnxModelInfo& info) {
    bool declared = false;
    for (const auto& op : model.opset_import())
        declared = declared || is_default_domain(op.domain());
    if (!declared)
        throw ModelError("it declares no opset for the ONNX operators (ConvScope reads opsets " +
                         opset_range() + ")");
    if (info.opset < kOnnxMinOpset)
        throw ModelError("its opset " + std::to_string(info.opset) +
                         " is older than ConvScope reads (opsets " + opset_range() + ")");
    if (info.opset > kOnnxTargetOpset)
        throw ModelError("its opset " + std::to_string(info.opset) +
                         " is newer than ConvScope reads (opsets " + opset_range() +
                         "); export it with opset " + std::to_string(kOnnxTargetOpset) +
                         " or older");
}

std::string dims_of(const std::vector<long long>& dims) {
    std::string text = "[";
    for (std::size_t i = 0; i < dims.size(); ++i)
        text += (i ? ", " : "") + (dims[i] < 0 ? std::string("?") : std::to_string(dims[i]));
    return text + "]";
}

// The image input: the one graph input that is not an initializer, a float tensor
// [1, C, H, W]. Fills info's input_name and input_dims; returns the shape the layers see.
struct ImageInput {
    std::string name;
    Shape shape;
    bool sizes_known = true;
};

ImageInput find_image_input(const onnx::GraphProto& graph, OnnxModelInfo& info,
                            std::vector<std::string>& warnings) {
    std::unordered_set<std::string> initializers;
    for (const auto& init : graph.initializer())
        initializers.insert(init.name());
    std::vector<const onnx::ValueInfoProto*> inputs;
    for (const auto& input : graph.input())
        if (!initializers.count(input.name()))
            inputs.push_back(&input);
    if (inputs.empty())
        throw ModelError("the graph has no input to feed an image to");
    if (inputs.size() > 1) {
        std::string names;
        for (const auto* in : inputs)
            names += (names.empty() ? "'" : ", '") + in->name() + "'";
        throw ModelError("the graph has " + std::to_string(inputs.size()) + " inputs (" + names +
                         "); ConvScope feeds a model one image");
    }
    const onnx::ValueInfoProto& input = *inputs[0];
    const std::string what = "its input '" + input.name() + "'";
    if (!input.type().has_tensor_type())
        throw ModelError(what + " is not a tensor");
    const auto& tensor = input.type().tensor_type();
    const int type = tensor.elem_type();
    if (type == onnx::TensorProto::FLOAT16 || type == onnx::TensorProto::DOUBLE ||
        type == onnx::TensorProto::BFLOAT16)
        warnings.push_back(what + " is " + data_type_name(type) +
                           ": ConvScope computes every layer in float32 (weights converted "
                           "exactly where float32 can hold them)");
    else if (type != onnx::TensorProto::FLOAT)
        throw ModelError(what + " holds " + data_type_name(type) +
                         " values; ConvScope feeds a model an image of floats");
    if (!tensor.has_shape())
        throw ModelError(what + " declares no shape; ConvScope needs [1, C, H, W]");
    std::vector<long long> dims;
    for (const auto& d : tensor.shape().dim()) {
        if (d.has_dim_value() && d.dim_value() < 0)
            throw ModelError(what + " has a negative dimension (" + std::to_string(d.dim_value()) +
                             ")");
        dims.push_back(d.has_dim_value() ? static_cast<long long>(d.dim_value()) : -1);
    }
    info.input_name = input.name();
    info.input_dims = dims;
    const std::string declared = what + " has shape " + dims_of(dims);
    if (dims.size() == 3)
        throw ModelError(declared + ", rank 3 (a 1-D signal); ConvScope runs 2-D convolutional "
                                    "networks on images [1, C, H, W]");
    if (dims.size() == 5)
        throw ModelError(declared + ", rank 5 (a volume or video); ConvScope runs 2-D "
                                    "convolutional networks on images [1, C, H, W]");
    if (dims.size() != 4)
        throw ModelError(declared + ", rank " + std::to_string(dims.size()) +
                         "; ConvScope runs 2-D convolutional networks on images [1, C, H, W]");
    if (dims[0] > 1 || dims[0] == 0)
        throw ModelError(declared + ": a batch of " + std::to_string(dims[0]) +
                         "; ConvScope runs one image (export the model with batch 1 or a "
                         "dynamic batch)");
    if (dims[1] < 1)
        throw ModelError(declared + ": it leaves the number of channels open");
    if (dims[1] > kLargestInputSide || dims[2] > kLargestInputSide || dims[3] > kLargestInputSide ||
        dims[2] == 0 || dims[3] == 0)
        throw ModelError(declared + ", which ConvScope cannot hold");
    ImageInput image;
    image.name = input.name();
    image.sizes_known = dims[2] > 0 && dims[3] > 0;
    image.shape = {static_cast<int>(dims[1]),
                   dims[2] > 0 ? static_cast<int>(dims[2]) : kOnnxNominalInputSize,
                   dims[3] > 0 ? static_cast<int>(dims[3]) : kOnnxNominalInputSize};
    return image;
}

// Where the import stops: the position in the node order of the first node left out.
struct Cut {
    std::size_t end = 0;    // nodes [0, end) of the order are imported
    std::string stopped_at; // the first node left out for a reason, empty for --until
    std::string reason;
    std::size_t left_out = 0; // nodes not imported, the one at stopped_at among them
};

std::optional<std::size_t> find_node(const onnx::GraphProto& graph, const std::vector<int>& order,
                                     const std::string& name) {
    for (std::size_t i = 0; i < order.size(); ++i) {
        const auto& node = graph.node(order[i]);
        if (node.name() == name)
            return i;
    }
    for (std::size_t i = 0; i < order.size(); ++i)
        for (const auto& out : graph.node(order[i]).output())
            if (out == name)
                return i;
    return std::nullopt;
}

std::string unknown_op_reason(const onnx::NodeProto& node) {
    if (!is_default_domain(node.domain()))
        return "it is an op of the domain '" + node.domain() +
               "', and ConvScope maps the standard ONNX ops only";
    const std::string reason = unsupported_op_reason(node.op_type());
    return reason.empty() ? "ConvScope has no layer for " + node.op_type() : reason;
}

bool is_known_op(const onnx::NodeProto& node) {
    return is_default_domain(node.domain()) && op_table().count(node.op_type());
}

// Enough for a message quoting a few long names; a name of kilobytes is cut.
constexpr std::size_t max_message_chars = 1000;

// The message of a libonnx assertion without its source location.
std::string converter_message(const std::string& what) {
    const auto at = what.find("failed: ");
    std::string text = at == std::string::npos ? what : what.substr(at + 8);
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
        text.pop_back();
    return text;
}

// The op a converter message blames ("No Adapter From Version $14 for Relu", "No Previous
// Version of HardSwish exists"), or empty.
std::string blamed_op(const std::string& message,
                      const std::vector<const onnx::NodeProto*>& nodes) {
    std::string best;
    for (const auto* node : nodes) {
        const std::string& op = node->op_type();
        const auto at = message.find(op);
        if (at == std::string::npos)
            continue;
        const bool starts = at == 0 || !std::isalnum(static_cast<unsigned char>(message[at - 1]));
        const std::size_t after = at + op.size();
        const bool ends =
            after == message.size() || !std::isalnum(static_cast<unsigned char>(message[after]));
        if (starts && ends && op.size() > best.size())
            best = op;
    }
    return best;
}

// Weights bigger than this are left out of the copy the version converter works on (it copies
// the model twice over and never needs their values), and read from the original.
constexpr std::size_t kStrippedBytes = 4096;

bool is_float_weight(const onnx::TensorProto& t) {
    return t.data_type() == onnx::TensorProto::FLOAT ||
           t.data_type() == onnx::TensorProto::FLOAT16 ||
           t.data_type() == onnx::TensorProto::DOUBLE ||
           t.data_type() == onnx::TensorProto::BFLOAT16;
}

// A model of nodes `nodes` (in order) of `model`, for the converter.
onnx::ModelProto prefix_model(const onnx::ModelProto& model,
                              const std::vector<const onnx::NodeProto*>& nodes,
                              std::unordered_set<std::string>& stripped) {
    onnx::ModelProto p;
    p.set_ir_version(model.ir_version());
    *p.mutable_opset_import() = model.opset_import();
    const onnx::GraphProto& graph = model.graph();
    onnx::GraphProto& g = *p.mutable_graph();
    g.set_name(graph.name());
    *g.mutable_input() = graph.input();
    for (const auto& init : graph.initializer()) {
        onnx::TensorProto& copy = *g.add_initializer();
        if (is_float_weight(init) &&
            (init.raw_data().size() > kStrippedBytes ||
             static_cast<std::size_t>(init.float_data_size()) * 4 > kStrippedBytes)) {
            copy.set_name(init.name());
            copy.set_data_type(init.data_type());
            *copy.mutable_dims() = init.dims();
            stripped.insert(init.name());
        } else {
            copy = init;
        }
    }
    std::unordered_set<std::string> produced;
    for (const auto* node : nodes) {
        *g.add_node() = *node;
        for (const auto& out : node->output())
            produced.insert(out);
    }
    for (const auto& vi : graph.value_info())
        if (produced.count(vi.name()))
            *g.add_value_info() = vi;
    for (const auto& out : graph.output())
        if (produced.count(out.name()))
            *g.add_output() = out;
    if (g.output_size() == 0 && !nodes.empty() && nodes.back()->output_size() > 0)
        g.add_output()->set_name(nodes.back()->output(0));
    return p;
}

// Opset 6's broadcasting (attributes broadcast=1 and axis) lines the second input up at `axis`;
// from opset 7 NumPy's rule lines it up at the end. libonnx 1.12's adapter unsqueezes one axis
// too many ([C] at axis 1 of a 4-D input becomes [C, 1, 1, 1], which broadcasts over the batch),
// so give such constants their opset-7 shape here and let the adapter see plain broadcasting.
void line_up_legacy_broadcasts(onnx::ModelProto& model) {
    onnx::GraphProto& graph = *model.mutable_graph();
    // Ranks from the inputs and shape inference, and through the nodes (in order) where shape
    // inference knows none (opset 6's BatchNormalization): every op here keeps its first input's
    // rank but the flattening ones.
    std::unordered_map<std::string, int> ranks;
    const auto note_rank = [&](const onnx::ValueInfoProto& vi) {
        if (vi.type().has_tensor_type() && vi.type().tensor_type().has_shape())
            ranks[vi.name()] = vi.type().tensor_type().shape().dim_size();
    };
    for (const auto& vi : graph.input())
        note_rank(vi);
    for (const auto& vi : graph.value_info())
        note_rank(vi);
    for (const auto& node : graph.node()) {
        if (node.input_size() == 0 || node.output_size() == 0 || ranks.count(node.output(0)))
            continue;
        const auto in = ranks.find(node.input(0));
        if (node.op_type() == "Flatten" || node.op_type() == "Gemm")
            ranks[node.output(0)] = 2;
        else if (in != ranks.end() && node.op_type() != "Reshape" && node.op_type() != "Squeeze" &&
                 node.op_type() != "Unsqueeze" && node.op_type() != "Transpose")
            ranks[node.output(0)] = in->second;
    }
    std::unordered_map<std::string, int> initializer;
    for (int i = 0; i < graph.initializer_size(); ++i)
        initializer[graph.initializer(i).name()] = i;
    for (auto& node : *graph.mutable_node()) {
        if (node.input_size() != 2)
            continue;
        int axis_at = -1;
        bool broadcast = false;
        for (int a = 0; a < node.attribute_size(); ++a) {
            if (node.attribute(a).name() == "axis")
                axis_at = a;
            if (node.attribute(a).name() == "broadcast" && node.attribute(a).i() == 1)
                broadcast = true;
        }
        const auto rank = ranks.find(node.input(0));
        const auto b = initializer.find(node.input(1));
        if (!broadcast || axis_at < 0 || rank == ranks.end() || b == initializer.end())
            continue;
        const onnx::TensorProto& original = graph.initializer(b->second);
        const std::int64_t axis = node.attribute(axis_at).i();
        const std::int64_t trailing = rank->second - axis - original.dims_size();
        if (axis < 0 || trailing < 0)
            continue; // not valid opset 6: leave it to the converter to refuse
        onnx::TensorProto lined_up = original;
        lined_up.set_name(original.name() + "/broadcast");
        for (std::int64_t k = 0; k < trailing; ++k)
            lined_up.add_dims(1);
        node.set_input(1, lined_up.name());
        node.mutable_attribute()->DeleteSubrange(axis_at, 1);
        // Before IR version 4 every initializer is a graph input too.
        auto* input = graph.add_input();
        input->set_name(lined_up.name());
        auto* type = input->mutable_type()->mutable_tensor_type();
        type->set_elem_type(lined_up.data_type());
        for (const auto d : lined_up.dims())
            type->mutable_shape()->add_dim()->set_dim_value(d);
        *graph.add_initializer() = std::move(lined_up);
    }
}

class Importer {
public:
    Importer(const onnx::ModelProto& model, const OnnxImportOptions& options, std::string label)
        : model_(model), options_(options), label_(std::move(label)) {}

    OnnxImport run();

private:
    Cut cut_unknown_ops(const std::vector<int>& order);
    std::optional<onnx::ModelProto> convert(std::vector<const onnx::NodeProto*>& nodes, Cut& cut,
                                            std::unordered_set<std::string>& stripped);
    void map_nodes(const onnx::ModelProto& mapped, const std::unordered_set<std::string>& stripped,
                   const ImageInput& image, Cut& cut);
    void finish(const Cut& cut);

    const onnx::ModelProto& model_;
    const OnnxImportOptions& options_;
    std::string label_;
    OnnxImport result_;
};

Cut Importer::cut_unknown_ops(const std::vector<int>& order) {
    const onnx::GraphProto& graph = model_.graph();
    Cut cut;
    cut.end = order.size();
    if (!options_.until.empty()) {
        const auto at = find_node(graph, order, options_.until);
        if (!at)
            throw ModelError("it has no node named '" + options_.until +
                             "' (nor a node output of that name) to stop at");
        cut.end = *at + 1;
    }
    for (std::size_t i = 0; i < cut.end; ++i) {
        const auto& node = graph.node(order[i]);
        if (!is_known_op(node)) {
            if (options_.strict)
                throw ModelError(node_label(node, order[i]) +
                                 " cannot be imported: " + unknown_op_reason(node));
            cut.end = i;
            cut.stopped_at = node_label(node, order[i]);
            cut.reason = unknown_op_reason(node);
            cut.left_out = order.size() - i;
            break;
        }
    }
    return cut;
}

std::optional<onnx::ModelProto> Importer::convert(std::vector<const onnx::NodeProto*>& nodes,
                                                  Cut& cut,
                                                  std::unordered_set<std::string>& stripped) {
    const int opset = result_.model.opset;
    if (opset == kOnnxTargetOpset || nodes.empty())
        return std::nullopt;
    // The converter names the op it cannot adapt; cut before the first such node and retry.
    while (!nodes.empty()) {
        stripped.clear();
        onnx::ModelProto prefix = prefix_model(model_, nodes, stripped);
        // Some adapters need the shapes of their inputs (opset 6's broadcasting Add, Gemm), as
        // libonnx's own Python wrapper gives them; shape inference failing leaves them unknown.
        try {
            onnx::shape_inference::InferShapes(prefix);
        } catch (const std::exception&) {
        }
        if (opset < 7)
            line_up_legacy_broadcasts(prefix);
        std::string message;
        try {
            return onnx::version_conversion::ConvertVersion(prefix, kOnnxTargetOpset);
        } catch (const std::exception& e) {
            message = converter_message(e.what());
        }
        const std::string op = blamed_op(message, nodes);
        const auto first = std::find_if(nodes.begin(), nodes.end(),
                                        [&](const auto* n) { return n->op_type() == op; });
        if (op.empty() || first == nodes.end())
            throw ModelError("libonnx cannot convert it from opset " + std::to_string(opset) +
                             " to " + std::to_string(kOnnxTargetOpset) + ": " + message);
        const auto index = static_cast<std::size_t>(first - nodes.begin());
        const onnx::NodeProto& node = **first;
        int file_index = 0;
        for (int i = 0; i < model_.graph().node_size(); ++i)
            if (&model_.graph().node(i) == &node)
                file_index = i;
        cut.stopped_at = node_label(node, file_index);
        cut.reason = "libonnx's version converter cannot bring " + op + " from opset " +
                     std::to_string(opset) + " to " + std::to_string(kOnnxTargetOpset) + " (" +
                     message + ")";
        if (options_.strict)
            throw ModelError(cut.stopped_at + " cannot be imported: " + cut.reason);
        cut.left_out = static_cast<std::size_t>(model_.graph().node_size()) - index;
        cut.end = index;
        nodes.resize(index);
    }
    return std::nullopt;
}

void Importer::map_nodes(const onnx::ModelProto& mapped,
                         const std::unordered_set<std::string>& stripped, const ImageInput& image,
                         Cut& cut) {
    const onnx::GraphProto& graph = mapped.graph();
    std::vector<int> order;
    try {
        order = checked_node_order(graph);
    } catch (const ModelError& e) {
        throw ModelError(std::string("after converting it to opset ") +
                         std::to_string(kOnnxTargetOpset) + ": " + e.what());
    }
    Context ctx(result_, image.shape, image.sizes_known);
    std::unordered_map<std::string, const onnx::TensorProto*> originals;
    for (const auto& init : model_.graph().initializer())
        originals[init.name()] = &init;
    for (const auto& init : graph.initializer())
        ctx.add_initializer(stripped.count(init.name()) ? originals.at(init.name()) : &init);
    ctx.set_map(image.name, {kPipelineInput, 4});
    ctx.count_readers(graph, order);

    const OpTable& table = op_table();
    const std::size_t after_prefix = static_cast<std::size_t>(model_.graph().node_size()) - cut.end;
    for (std::size_t position = 0; position < order.size(); ++position) {
        const int i = order[position];
        const onnx::NodeProto& proto = graph.node(i);
        const Node node(ctx, proto, i);
        const std::size_t layers_before = result_.pipeline.layers.size();
        if (proto.output_size() == 0 || proto.output(0).empty())
            throw ModelError(node.label() + " has no output");
        try {
            const auto it = table.find(proto.op_type());
            if (it == table.end() || !is_default_domain(proto.domain()))
                throw Unsupported(unknown_op_reason(proto)); // a node the converter added
            it->second(ctx, node);
        } catch (const Unsupported& e) {
            if (options_.strict)
                throw ModelError(node.label() + " cannot be imported: " + e.what());
            // Drop what the node had begun (a padding layer before its conv).
            result_.pipeline.layers.resize(layers_before);
            result_.layer_tensors.resize(layers_before);
            result_.layer_nodes.resize(layers_before);
            cut.stopped_at = node.label();
            cut.reason = e.what();
            cut.left_out = after_prefix + (order.size() - position);
            break;
        } catch (const ModelError& e) {
            throw ModelError(node.label() + ": " + e.what());
        }
    }
    if (ctx.inexact_doubles() > 0) {
        std::string names;
        for (const auto& n : ctx.inexact_tensors())
            names += (names.empty() ? "'" : ", '") + n + "'";
        result_.warnings.push_back(std::to_string(ctx.inexact_doubles()) +
                                   " float64 weight values (in " + names +
                                   ") are rounded to float32, the precision ConvScope computes in");
    }
}

void Importer::finish(const Cut& cut) {
    Pipeline& p = result_.pipeline;
    result_.stopped_at = cut.stopped_at;
    result_.stop_reason = cut.reason;
    if (p.layers.empty()) {
        if (!cut.stopped_at.empty())
            throw ModelError("nothing can be imported: its first layer, " + cut.stopped_at +
                             ", cannot be mapped: " + cut.reason);
        throw ModelError("its graph computes no layer from the image");
    }
    if (!cut.stopped_at.empty()) {
        const std::size_t left_out = cut.left_out;
        result_.warnings.insert(
            result_.warnings.begin(),
            "imported the first " + std::to_string(p.layers.size()) + " layers (up to '" +
                p.layers.back().name + "'); " + cut.stopped_at +
                (left_out > 2 ? " and the " + std::to_string(left_out - 1) + " nodes after it are"
                 : left_out == 2 ? " and the node after it are"
                                 : " is") +
                " left out: " + cut.reason);
    }
    const OnnxModelInfo& m = result_.model;
    p.input_mode = m.input_dims[1] == 1 ? InputMode::Gray : InputMode::Rgb;
    std::string producer = m.producer_name;
    if (!m.producer_version.empty())
        producer += (producer.empty() ? "" : " ") + m.producer_version;
    std::string description = std::filesystem::path(label_).filename().string();
    if (!m.graph_name.empty() && m.graph_name != description)
        description = m.graph_name + " (" + description + ")";
    description += ", imported from ONNX";
    description += " (opset " + std::to_string(m.opset);
    if (!producer.empty())
        description += ", written by " + producer;
    description += ")";
    if (!m.doc_string.empty())
        description += ": " + m.doc_string.substr(0, 500);
    p.description = description;
}

OnnxImport Importer::run() {
    result_.model = read_info(model_);
    check_opset(model_, result_.model);
    const onnx::GraphProto& graph = model_.graph();
    for (const auto& init : graph.initializer())
        check_tensor_data(init, "initializer '" + init.name() + "'");
    const ImageInput image = find_image_input(graph, result_.model, result_.warnings);
    const std::vector<int> order = checked_node_order(graph);

    Cut cut = cut_unknown_ops(order);
    std::vector<const onnx::NodeProto*> nodes;
    for (std::size_t i = 0; i < cut.end; ++i)
        nodes.push_back(&graph.node(order[i]));
    std::unordered_set<std::string> stripped;
    const std::optional<onnx::ModelProto> converted = convert(nodes, cut, stripped);
    if (converted) {
        map_nodes(*converted, stripped, image, cut);
    } else {
        // Already at the target opset: map the nodes of the cut in place.
        onnx::ModelProto prefix;
        *prefix.mutable_graph()->mutable_input() = graph.input();
        for (const auto* node : nodes)
            *prefix.mutable_graph()->add_node() = *node;
        for (const auto& out : graph.output())
            *prefix.mutable_graph()->add_output() = out;
        std::unordered_set<std::string> all;
        for (const auto& init : graph.initializer()) {
            prefix.mutable_graph()->add_initializer()->set_name(init.name());
            all.insert(init.name());
        }
        map_nodes(prefix, all, image, cut);
    }
    finish(cut);
    return std::move(result_);
}

} // namespace

OnnxImport import_onnx_bytes(std::span<const std::uint8_t> bytes, const std::string& name,
                             const OnnxImportOptions& options,
                             const std::string& external_data_dir) {
    // Messages and warnings quote names from the model, which may hold any byte.
    const auto fail = [&name](const std::string& what) {
        return OnnxError(name + ": " + one_line(what, max_message_chars));
    };
    try {
        onnx::ModelProto model = parse_model(bytes);
        load_external_data(model, external_data_dir);
        OnnxImport imported = Importer(model, options, name).run();
        imported.model.sha256 = sha256_hex(bytes);
        for (std::string& warning : imported.warnings)
            warning = one_line(std::move(warning), max_message_chars);
        return imported;
    } catch (const ModelError& e) {
        throw fail(e.what());
    } catch (const Unsupported& e) {
        throw fail(e.what());
    } catch (const std::bad_alloc&) {
        throw fail("there is not enough memory to import the model");
    } catch (const std::length_error&) {
        throw fail("there is not enough memory to import the model");
    } catch (const OnnxError&) {
        throw;
    } catch (const std::exception& e) {
        // What libonnx or protobuf throw beyond the checks above: still one line on the file.
        throw fail("cannot be imported (" + converter_message(e.what()) + ")");
    }
}

OnnxImport import_onnx(const std::string& path, const OnnxImportOptions& options) {
    std::vector<std::uint8_t> bytes;
    try {
        bytes = read_model_file(path);
    } catch (const ModelError& e) {
        throw OnnxError(path + ": " + one_line(e.what(), max_message_chars));
    }
    std::string dir = std::filesystem::path(path).parent_path().string();
    if (dir.empty())
        dir = ".";
    return import_onnx_bytes(bytes, path, options, dir);
}

} // namespace convscope
