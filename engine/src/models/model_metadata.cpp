#include "convscope/model_metadata.hpp"

#include "convscope/map_limits.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <optional>
#include <variant>

namespace convscope {

namespace {

// The JSON value of metadata `key`; nullopt when absent, too long or not JSON.
std::optional<nlohmann::json> metadata_json(const OnnxModelInfo& model, const char* key) {
    const std::string* value = model.property(key);
    if (!value || value->size() > kMaxInputMetadataBytes)
        return std::nullopt;
    nlohmann::json json = nlohmann::json::parse(*value, nullptr, /*allow_exceptions=*/false);
    if (json.is_discarded())
        return std::nullopt;
    return json;
}

// One number per channel (or one for all) from metadata `key`; empty when absent or unusable.
std::vector<float> channel_values(const OnnxModelInfo& model, const char* key, int channels,
                                  bool positive, std::vector<std::string>* warnings) {
    if (!model.property(key))
        return {};
    std::vector<float> values;
    if (const auto json = metadata_json(model, key); json && json->is_array()) {
        for (const nlohmann::json& v : *json) {
            const double d = v.is_number() ? v.get<double>() : std::nan("");
            if (!std::isfinite(d) || std::abs(d) > 1e30 || (positive && !(d > 0))) {
                values.clear();
                break;
            }
            values.push_back(static_cast<float>(d));
        }
    }
    const std::size_t wanted = static_cast<std::size_t>(std::max(channels, 1));
    if (values.empty() || (values.size() != 1 && values.size() != wanted)) {
        if (warnings)
            warnings->push_back("the model's metadata \"" + std::string(key) +
                                "\" is not a list of " +
                                (positive ? "positive numbers" : "numbers") + " for its " +
                                std::to_string(channels) + " input channels; it is not used");
        return {};
    }
    return values;
}

} // namespace

InputNormalization normalization_from_metadata(const OnnxModelInfo& model, int channels,
                                               std::vector<std::string>* warnings) {
    InputNormalization n;
    n.mean = channel_values(model, "input_mean", channels, false, warnings);
    n.std_dev = channel_values(model, "input_std", channels, true, warnings);
    // A std of one everywhere is no division: the pipeline says only what it does.
    if (std::all_of(n.std_dev.begin(), n.std_dev.end(), [](float v) { return v == 1.0f; }))
        n.std_dev.clear();
    if (std::all_of(n.mean.begin(), n.mean.end(), [](float v) { return v == 0.0f; }))
        n.mean.clear();
    return n;
}

Pair input_size_from_metadata(const OnnxModelInfo& model) {
    if (const auto size = metadata_json(model, "input_size");
        size && size->is_array() && size->size() == 2) {
        const auto side = [](const nlohmann::json& v) -> int {
            if (!v.is_number_integer())
                return 0;
            const auto n = v.get<long long>();
            return n > 0 && n <= kMaxMapSide ? static_cast<int>(n) : 0;
        };
        const int h = side((*size)[0]);
        const int w = side((*size)[1]);
        if (h > 0 && w > 0)
            return {h, w};
    }
    if (model.declares_input_size() && model.input_dims[2] <= kMaxMapSide &&
        model.input_dims[3] <= kMaxMapSide)
        return {static_cast<int>(model.input_dims[2]), static_cast<int>(model.input_dims[3])};
    return {0, 0};
}

bool needs_fixed_input_size(const Pipeline& pipeline) {
    // A global pooling makes maps of 1 × 1 from any size: a flatten after it gives one feature
    // per channel whatever the image. A flatten of maps of the image's own size does not.
    bool pooled = false;
    bool flattened = false;
    for (const Layer& layer : pipeline.layers) {
        if (std::holds_alternative<GlobalPool2d>(layer.op))
            pooled = true;
        else if (std::holds_alternative<Flatten>(layer.op))
            flattened = !pooled;
        else if (std::holds_alternative<Linear>(layer.op) && flattened)
            return true;
    }
    return false;
}

void apply_input_metadata(OnnxImport& imported) {
    Pipeline& p = imported.pipeline;
    p.normalization = normalization_from_metadata(imported.model, channel_count(p.input_mode),
                                                  &imported.warnings);
    p.input_size = input_size_from_metadata(imported.model);
    if (p.input_size.h > 0 && needs_fixed_input_size(p))
        p.input_fit = InputFit::Resize;
}

} // namespace convscope
