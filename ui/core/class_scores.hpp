#pragma once
// Class scores of a classifier: what the Prediction panel shows. Read from the live run's
// snapshot (MapSnapshot), never from a run of their own.

#include "render_types.hpp"

#include <QString>
#include <QStringList>

#include <optional>
#include <vector>

namespace convscope::ui {

// The end of a pipeline that scores classes: its last layer is a Softmax (probabilities) or a
// Linear (scores, which the panel turns into probabilities with a softmax), giving one value
// per class as N maps of 1 × 1.
struct ClassifierHead {
    int layer = -1;             // the last layer
    int classes = 0;            // N (known once the head ran; 0 before)
    bool probabilities = false; // the last layer is an enabled Softmax
};
std::optional<ClassifierHead> classifierHead(const Pipeline& pipeline);

struct ClassScore {
    int index = 0; // the output's index, from 0 as argmax gives it
    QString label;
    double probability = 0;
};

struct Prediction {
    std::vector<ClassScore> top; // most probable first
    int classes = 0;
    // Empty when `top` holds the scores; otherwise why there are none (the head did not run).
    QString problem;
};

// The `k` most probable classes in `snapshot` (ties: the lower index first). Labels name the
// classes in output order; a class without one is "class k".
Prediction predict(const MapSnapshot& snapshot, const QStringList& labels, int k = 5);

QString classLabel(const QStringList& labels, int index);

} // namespace convscope::ui
