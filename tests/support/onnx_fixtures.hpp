#pragma once
// The ONNX fixtures (tests/fixtures/onnx, written by scripts/make_onnx_fixtures.py, see its
// README): the manifest's cases as data, inputs as tensors, and the comparison every test of an
// imported model uses,
//     max |actual - expected| <= 1e-5 * max(1, max |expected|).

#include "convscope/npy.hpp"
#include "convscope/tensor.hpp"

#include <QByteArray>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QString>
#include <QStringList>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

namespace onnx_fixtures {

inline constexpr double kRelativeTolerance = 1e-5;

// A model's bytes with one more metadata_props entry: ModelProto field 14 (a repeated
// StringStringEntryProto of key = 1, value = 2), appended as protobuf allows for a repeated field.
inline QByteArray withMetadata(const QByteArray& model, const QByteArray& key,
                               const QByteArray& value) {
    const auto length = [](qsizetype n) {
        QByteArray varint;
        auto rest = static_cast<quint64>(n);
        do {
            varint += char((rest & 0x7f) | (rest > 0x7f ? 0x80 : 0));
            rest >>= 7;
        } while (rest);
        return varint;
    };
    const QByteArray entry =
        '\x0a' + length(key.size()) + key + '\x12' + length(value.size()) + value;
    return model + '\x72' + length(entry.size()) + entry;
}

inline QString dir() {
    return QStringLiteral(CONVSCOPE_TEST_DATA_DIR "/fixtures/onnx");
}

inline std::string path(const QString& relative) {
    return (dir() + QLatin1Char('/') + relative).toStdString();
}

inline QJsonObject manifest() {
    QFile file(dir() + QStringLiteral("/manifest.json"));
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return QJsonDocument::fromJson(file.readAll()).object();
}

struct Output {
    QString name; // the graph output (an ONNX tensor name)
    QString file;
    std::vector<std::size_t> shape;
};

struct Model {
    QString case_name;
    QString file;
    int opset = 0;
    QString input; // the case's input.npy
    std::vector<Output> outputs;
};

// Every model of every good case, in manifest order.
inline std::vector<Model> models() {
    std::vector<Model> all;
    for (const auto& c : manifest().value(QStringLiteral("cases")).toArray()) {
        const QJsonObject obj = c.toObject();
        std::vector<Output> outputs;
        for (const auto& o : obj.value(QStringLiteral("outputs")).toArray()) {
            Output out;
            out.name = o.toObject().value(QStringLiteral("name")).toString();
            out.file = o.toObject().value(QStringLiteral("file")).toString();
            for (const auto& d : o.toObject().value(QStringLiteral("shape")).toArray())
                out.shape.push_back(static_cast<std::size_t>(d.toInt()));
            outputs.push_back(out);
        }
        for (const auto& m : obj.value(QStringLiteral("models")).toArray()) {
            Model model;
            model.case_name = obj.value(QStringLiteral("name")).toString();
            model.file = m.toObject().value(QStringLiteral("file")).toString();
            model.opset = m.toObject().value(QStringLiteral("opset")).toInt();
            model.input = obj.value(QStringLiteral("input"))
                              .toObject()
                              .value(QStringLiteral("file"))
                              .toString();
            model.outputs = outputs;
            all.push_back(model);
        }
    }
    return all;
}

// An array (1, C, H, W), (C, H, W), (1, K) or (K) as the tensor ConvScope holds it.
inline convscope::Shape tensor_shape(const std::vector<std::size_t>& s) {
    std::vector<std::size_t> dims = s;
    if (dims.size() >= 2 && dims[0] == 1)
        dims.erase(dims.begin());
    while (dims.size() < 3)
        dims.push_back(1);
    return {static_cast<int>(dims[0]), static_cast<int>(dims[1]), static_cast<int>(dims[2])};
}

inline convscope::Tensor read_tensor(const std::string& file) {
    const convscope::NpyArray array = convscope::read_npy(file);
    return convscope::Tensor::from_dense(tensor_shape(array.shape), array.values);
}

// Empty when `actual` matches `expected` (values in C order) within the tolerance; else why not.
inline QString compare(const convscope::Tensor& actual, const convscope::Shape& expected_shape,
                       const std::vector<float>& expected) {
    if (actual.shape() != expected_shape)
        return QStringLiteral("shape %1, expected %2")
            .arg(QString::fromStdString(actual.shape().str()),
                 QString::fromStdString(expected_shape.str()));
    const std::vector<float> values = actual.to_dense();
    double max_expected = 0;
    for (const float v : expected)
        max_expected = std::max(max_expected, std::abs(static_cast<double>(v)));
    double worst = 0;
    std::size_t at = 0;
    for (std::size_t i = 0; i < values.size(); ++i) {
        const double diff =
            std::abs(static_cast<double>(values[i]) - static_cast<double>(expected[i]));
        if (!(diff <= worst)) { // a NaN counts as the worst
            worst = std::isnan(diff) ? std::numeric_limits<double>::infinity() : diff;
            at = i;
        }
    }
    const double tolerance = kRelativeTolerance * std::max(1.0, max_expected);
    if (worst <= tolerance)
        return {};
    return QStringLiteral("value %1 is %2, expected %3 (|diff| %4 > %5)")
        .arg(at)
        .arg(static_cast<double>(values[at]), 0, 'g', 9)
        .arg(static_cast<double>(expected[at]), 0, 'g', 9)
        .arg(worst, 0, 'g', 3)
        .arg(tolerance, 0, 'g', 3);
}

inline QString compare(const convscope::Tensor& actual, const std::string& expected_file) {
    const convscope::NpyArray expected = convscope::read_npy(expected_file);
    return compare(actual, tensor_shape(expected.shape), expected.values);
}

} // namespace onnx_fixtures
