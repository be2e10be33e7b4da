#include "speed_panel.hpp"

#include "document.hpp"
#include "render_coordinator.hpp"

#include "convscope/reference_timing.hpp"
#include "convscope/simd.hpp"

#include <QCheckBox>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPainter>
#include <QScopeGuard>
#include <QTableWidget>
#include <QThread>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace convscope::ui {

namespace {

QString ms(double v) {
    if (v < 0)
        return QStringLiteral("—");
    if (v < 0.005) // ran, but faster than the two decimals show
        return QStringLiteral("< 0.01");
    return QString::number(v, 'f', v < 10 ? 2 : v < 100 ? 1 : 0);
}

// OpenCV's time with the call it comes from: "1.23 DNN", "0.45 filter2D".
QString openCvCell(double v, OpenCvPeer peer) {
    return QStringLiteral("%1 %2").arg(ms(v), QString::fromStdString(std::string(to_string(peer))));
}

// What an OpenCV cell's time is, or why it has none.
QString openCvToolTip(const OpenCvTime* time, bool timed) {
    if (!time)
        return timed ? QString()
                     : SpeedPanel::tr("OpenCV is timed in the background once the view "
                                      "is idle");
    if (time->ms && time->peer == OpenCvPeer::Dnn)
        return SpeedPanel::tr("OpenCV DNN: this layer as a cv::dnn net on OpenCV's CPU backend, "
                              "reading the same maps; the best of a few runs");
    if (time->ms && time->peer == OpenCvPeer::Filter2D)
        return SpeedPanel::tr("OpenCV filter2D on the map padded as the layer pads it (a "
                              "single-channel filter); the best of a few runs");
    return SpeedPanel::tr("No OpenCV time: %1").arg(QString::fromStdString(time->why_not));
}

QString factor(double slow, double fast) {
    if (slow <= 0 || fast <= 0.0005)
        return QStringLiteral("—");
    const double f = slow / fast;
    return QStringLiteral("%1×").arg(f, 0, 'f', f < 10 ? 1 : 0);
}

} // namespace

void SpeedChart::setRows(std::vector<Row> rows) {
    // The height follows the row count only: new times alone repaint the chart but leave the
    // window's layout (and every dock beside it) as it is.
    const bool resized = rows.size() != rows_.size();
    rows_ = std::move(rows);
    if (resized)
        updateGeometry();
    update();
}

QFont SpeedChart::valueFont() const {
    QFont small = font();
    small.setPointSizeF(small.pointSizeF() * 0.8);
    return small;
}

int SpeedChart::rowHeight() const {
    return std::max(fontMetrics().height() + 8, 3 * QFontMetrics(valueFont()).height() + 6);
}

QSize SpeedChart::sizeHint() const {
    return {360, int(rows_.size()) * rowHeight() + fontMetrics().height() + 16};
}

void SpeedChart::paintEvent(QPaintEvent*) {
    QPainter painter(this);
    painter.setRenderHint(QPainter::Antialiasing);
    const QFontMetrics fm = fontMetrics();
    int labelWidth = 0;
    double maxValue = 0.01;
    for (const Row& row : rows_) {
        labelWidth = std::max(labelWidth, fm.horizontalAdvance(row.label));
        maxValue = std::max({maxValue, row.fast, row.naive, row.opencv});
    }
    // Long layer names (imported graphs have paths) are shortened in the middle, so that the
    // bars keep at least half of the chart.
    labelWidth = std::min(labelWidth, width() * 2 / 5);
    const QColor fastColour(38, 139, 210), naiveColour(220, 120, 40), cvColour(120, 170, 60);
    const int legendH = fm.height() + 8;
    const int left = labelWidth + 12;
    const int right = width() - 60;
    const int barArea = std::max(40, right - left);
    // Logarithmic: naive can be hundreds of times slower.
    const double lo = std::log10(0.01), hi = std::log10(maxValue * 1.2);
    auto barLength = [&](double v) {
        if (v <= 0)
            return 0.0;
        return std::clamp((std::log10(std::max(v, 0.01)) - lo) / (hi - lo), 0.02, 1.0) * barArea;
    };
    const int rowH = rowHeight();
    const QFont small = valueFont();
    const QFontMetrics sfm(small);
    int y = legendH + 4;
    painter.setPen(palette().color(QPalette::WindowText));
    int lx = 4; // from the left edge: the legend must fit even when the panel is narrow
    for (const auto& [name, colour] :
         {std::pair{tr("fast engine"), fastColour}, std::pair{tr("naive reference"), naiveColour},
          std::pair{tr("OpenCV"), cvColour}}) {
        painter.fillRect(QRect(lx, 6, 12, 10), colour);
        painter.drawText(lx + 16, 6 + fm.ascent() - 2, name);
        lx += 16 + fm.horizontalAdvance(name) + 16;
    }
    for (const Row& row : rows_) {
        painter.setPen(palette().color(QPalette::WindowText));
        painter.drawText(QRect(0, y, labelWidth + 4, rowH), Qt::AlignRight | Qt::AlignVCenter,
                         fm.elidedText(row.label, Qt::ElideMiddle, labelWidth));
        const int barH = sfm.height();
        int by = y + 3;
        for (const auto& [value, colour] :
             {std::pair{row.fast, fastColour}, std::pair{row.naive, naiveColour},
              std::pair{row.opencv, cvColour}}) {
            if (value > 0) {
                const double len = barLength(value);
                // A bar a little thinner than its row, centred on its time's text.
                const double thickness = std::max(3.0, barH * 0.6);
                painter.fillRect(QRectF(left, by + (barH - thickness) / 2, len, thickness), colour);
                painter.setPen(palette().color(QPalette::PlaceholderText));
                painter.setFont(small);
                painter.drawText(QRectF(left + len + 4, by, 56, barH),
                                 Qt::AlignLeft | Qt::AlignVCenter, ms(value));
                painter.setFont(font());
            }
            by += barH;
        }
        y += rowH;
    }
}

SpeedPanel::SpeedPanel(Document* document, RenderCoordinator* coordinator, QWidget* parent)
    : QWidget(parent), document_(document), coordinator_(coordinator) {
    rebuildTimer_.setSingleShot(true);
    rebuildTimer_.setInterval(150);
    connect(&rebuildTimer_, &QTimer::timeout, this, &SpeedPanel::rebuild);
    summary_ = new QLabel(this);
    summary_->setWordWrap(true);
    summary_->setTextFormat(Qt::RichText);
    table_ = new QTableWidget(0, 7, this);
    table_->setObjectName(QStringLiteral("speedTable"));
    table_->setHorizontalHeaderLabels({tr("Layer"), tr("Kernel"), tr("Fast ms"), tr("Naive ms"),
                                       tr("×naive"), tr("OpenCV ms"), tr("×OpenCV")});
    const QString openCvHeaderTip =
        tr("OpenCV computing the same numbers: DNN (its deep-learning module, for network "
           "layers) or filter2D (a single-channel filter). The total is the whole network as one "
           "DNN net.");
    table_->horizontalHeaderItem(5)->setToolTip(openCvHeaderTip);
    table_->horizontalHeaderItem(6)->setToolTip(openCvHeaderTip);
    table_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    table_->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Stretch);
    table_->setHorizontalScrollBarPolicy(Qt::ScrollBarAsNeeded);
    table_->verticalHeader()->hide();
    // One line per layer: imported layers have long paths, shortened in the middle, so a
    // narrow dock still shows several layers.
    table_->setWordWrap(false);
    table_->setTextElideMode(Qt::ElideMiddle);
    table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table_->setSelectionMode(QAbstractItemView::NoSelection);
    table_->setToolTip(
        tr("Per layer: the fast engine (TBB threads + SIMD), the naive reference loops, and "
           "OpenCV where it computes the same numbers (its DNN module; filter2D for a "
           "single-channel filter); speedups are the fast engine's. Hover an OpenCV cell for "
           "what was timed"));
    chart_ = new SpeedChart(this);
    chart_->setToolTip(tr("Milliseconds per layer, on a logarithmic scale"));
    naiveLive_ = new QCheckBox(tr("Run the live view on the naive backend"), this);
    naiveLive_->setObjectName(QStringLiteral("naiveLive"));
    naiveLive_->setToolTip(
        tr("Feel the difference: every edit recomputes with the plain reference loops"));
    measure_ = new QCheckBox(tr("Time the naive reference and OpenCV in the background"), this);
    measure_->setChecked(coordinator_->measureReference());
    measure_->setToolTip(
        tr("After each change, once the view is up to date, time the same pipeline on the "
           "naive backend and OpenCV (cancelled by the next edit)"));
    force_ = new QCheckBox(tr("even for large images"), this);
    force_->setToolTip(tr("Above %1 GFLOP the naive reference takes many seconds and is "
                          "skipped unless this is on")
                           .arg(kNaiveReferenceFlopLimit / 1e9, 0, 'g', 3));

    // Two short rows rather than one long one: the panel must fit beside the others on a
    // 1280-pixel-wide screen.
    auto* switches = new QGridLayout;
    switches->addWidget(naiveLive_, 0, 0);
    switches->addWidget(measure_, 1, 0);
    switches->addWidget(force_, 1, 1);
    switches->setColumnStretch(2, 1);
    auto* body = new QHBoxLayout;
    body->addWidget(table_, 5);
    body->addWidget(chart_, 3);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 6, 6);
    layout->addWidget(summary_);
    layout->addLayout(switches);
    layout->addLayout(body, 1);

    connect(naiveLive_, &QCheckBox::toggled, this, [this](bool on) {
        document_->setLiveBackend(on ? BackendKind::Naive : BackendKind::Fast);
    });
    connect(document_, &Document::liveBackendChanged, this,
            [this] { naiveLive_->setChecked(document_->liveBackend() == BackendKind::Naive); });
    connect(measure_, &QCheckBox::toggled, coordinator_, &RenderCoordinator::setMeasureReference);
    connect(force_, &QCheckBox::toggled, this, [this](bool on) {
        coordinator_->renderThread()->setForceReference(on);
        coordinator_->scheduleRender();
    });
    rebuild();
}

void SpeedPanel::resizeEvent(QResizeEvent* event) {
    QWidget::resizeEvent(event);
    // Beside the other docks of a 1280-pixel-wide screen the table needs every pixel for its
    // seven columns; the chart repeats its numbers, so it makes way.
    constexpr int kChartMinPanelWidth = 860;
    chart_->setVisible(width() >= kChartMinPanelWidth);
}

QString SpeedPanel::cellText(int row, int column) const {
    const QTableWidgetItem* item = table_->item(row, column);
    return item ? item->text() : QString();
}

void SpeedPanel::setResult(std::shared_ptr<const RenderResult> result) {
    result_ = std::move(result);
    if (result_->backend == QLatin1String("fast")) {
        fastMs_.clear();
        for (const LayerRender& layer : result_->layers)
            fastMs_.push_back(layer.ms);
    }
    scheduleRebuild();
}

void SpeedPanel::setReference(std::shared_ptr<const ReferenceTimings> timings) {
    reference_ = std::move(timings);
    scheduleRebuild();
}

void SpeedPanel::scheduleRebuild() {
    // At most a few rebuilds a second: the table re-measures its columns on every change (a few
    // milliseconds), which must not land in every frame of a drag.
    if (!rebuildTimer_.isActive())
        rebuildTimer_.start();
}

void SpeedPanel::rebuild() {
    const Pipeline& p = document_->pipeline();
    const int n = result_ ? int(result_->layers.size()) : 0;
    // Fitting the columns to their contents measures every row of a column at each changed
    // cell: with a ResNet's 50 to 70 rows, all re-timed by one edit, that took the GUI thread
    // (and a core from the engine) for tens of milliseconds. The columns are fitted once, after.
    QHeaderView* header = table_->horizontalHeader();
    header->setSectionResizeMode(QHeaderView::Fixed);
    const auto fitColumns = qScopeGuard([header] {
        header->setSectionResizeMode(QHeaderView::ResizeToContents);
        header->setSectionResizeMode(0, QHeaderView::Stretch);
    });
    if (table_->rowCount() != n + (n > 0 ? 1 : 0)) { // new rows: new items (the total moved)
        table_->clearContents();
        table_->setRowCount(n + (n > 0 ? 1 : 0));
    }
    std::vector<SpeedChart::Row> rows;
    double fastTotal = 0, naiveTotal = 0, cvTotal = 0, cvFastTotal = 0;
    int cvRows = 0;
    bool haveNaive = reference_ && !reference_->skipped && int(reference_->naiveMs.size()) >= n;
    auto set = [this](int row, int column, const QString& text, bool right = true,
                      const QString& toolTip = QString()) {
        // Unchanged cells are left alone (each change makes the header re-measure the column).
        if (QTableWidgetItem* item = table_->item(row, column)) {
            if (item->text() != text)
                item->setText(text);
            if (item->toolTip() != toolTip)
                item->setToolTip(toolTip);
            return;
        }
        auto* item = new QTableWidgetItem(text);
        if (right)
            item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
        item->setToolTip(toolTip);
        table_->setItem(row, column, item);
    };
    const bool haveOpenCv =
        reference_ && reference_->failure.isEmpty() && int(reference_->opencv.size()) >= n;
    bool lastCounted = false; // the row before had an OpenCV time that counts in the total
    // Prefer the warm, repeated timing of the background job; the live run's until it arrives.
    const bool warm = reference_ && int(reference_->fastMs.size()) == n;
    // The kernel of the run the time comes from: a full warm run may fuse a layer the live run
    // (started at a later layer) computed on its own, and the other way round.
    const auto kernelOf = [&](int i) {
        return warm && i < reference_->fastKernels.size() ? reference_->fastKernels[i]
                                                          : result_->layers[i].kernel;
    };
    const auto fusedAt = [&](int i) { return kernelOf(i) == QLatin1String("fused-into-conv"); };
    // A reference's time for the work in layer i's engine time: its own and that of the layers
    // fused into it (-1 when one of them has no time).
    const auto withFused = [&](int i, const auto& timeOf) {
        double sum = timeOf(i);
        for (int j = i + 1; j < n && fusedAt(j) && sum >= 0; ++j)
            sum = timeOf(j) >= 0 ? sum + timeOf(j) : -1;
        return sum;
    };
    const auto naiveOf = [&](int i) { return haveNaive ? reference_->naiveMs[i] : -1.0; };
    const auto openCvOf = [&](int i) {
        return haveOpenCv && reference_->opencv[i].ms ? *reference_->opencv[i].ms : -1.0;
    };
    for (int i = 0; i < n; ++i) {
        const double fast = warm                      ? reference_->fastMs[i]
                            : i < int(fastMs_.size()) ? fastMs_[i]
                                                      : -1;
        const double naive = naiveOf(i);
        const QString kernel = kernelOf(i);
        const bool fused = fusedAt(i);
        // OpenCV's time, or -1 where it has no equivalent; the tooltip names the peer or says
        // why there is none.
        const OpenCvTime* peer = haveOpenCv ? &reference_->opencv[i] : nullptr;
        const double cvMs = peer && peer->ms ? *peer->ms : -1;
        const bool cv = cvMs >= 0;
        const QString cvTip = openCvToolTip(peer, reference_ != nullptr);
        const QString name = i < int(p.layers.size())
                                 ? QString::fromStdString(display_name(p.layers[i]))
                                 : QString();
        set(i, 0, QStringLiteral("%1 · %2").arg(i + 1).arg(name), false);
        set(i, 1, kernel, false);
        set(i, 2, fused ? tr("fused") : ms(fast));
        set(i, 3, ms(naive));
        // A layer with others fused into it is compared with the references' time for all of
        // them: the engine's time holds their work too.
        const bool fusing = i + 1 < n && fusedAt(i + 1);
        const QString fusedTip =
            fusing && !fused ? tr("Against the references' time for this layer and the layers "
                                  "fused into it (the fast engine's time includes theirs)")
                             : QString();
        set(i, 4, fused ? QStringLiteral("—") : factor(withFused(i, naiveOf), fast), true,
            fusedTip);
        set(i, 5, cv ? openCvCell(cvMs, peer->peer) : QStringLiteral("—"), true, cvTip);
        set(i, 6, cv && !fused ? factor(withFused(i, openCvOf), fast) : QStringLiteral("—"), true,
            fusedTip.isEmpty() || !cv ? cvTip : cvTip + QStringLiteral("\n") + fusedTip);
        if (fast > 0)
            fastTotal += fast;
        if (naive > 0)
            naiveTotal += naive;
        // Without a network total, the sum over the rows OpenCV timed; a layer fused into the
        // conv before it counts when that conv does (its engine time is in the conv's).
        const bool counted = cv && (fused ? lastCounted : fast > 0);
        if (counted) {
            cvTotal += cvMs;
            cvFastTotal += fused ? 0 : fast;
            ++cvRows;
        }
        lastCounted = fused ? lastCounted : counted;
        rows.push_back({QString::number(i + 1) + QStringLiteral(" ") + name, fast, naive, cvMs});
    }
    if (n > 0) {
        QFont bold = table_->font();
        bold.setBold(true);
        set(n, 0, tr("Total"), false);
        set(n, 1, QString(), false);
        set(n, 2, ms(fastTotal));
        set(n, 3, haveNaive ? ms(naiveTotal) : QStringLiteral("—"));
        set(n, 4, haveNaive ? factor(naiveTotal, fastTotal) : QStringLiteral("—"));
        // The fair total: the whole network as one DNN net against every layer of the engine;
        // else the rows OpenCV timed against the same rows of the engine.
        const OpenCvTime* net = haveOpenCv ? &reference_->opencvNet : nullptr;
        if (net && net->ms) {
            const QString tip =
                tr("OpenCV DNN: layers 1–%1 as one network, one forward pass on OpenCV's CPU "
                   "backend (it fuses layers as the engine does), the best of a few runs; "
                   "against the fast engine's total")
                    .arg(n);
            set(n, 5, openCvCell(*net->ms, OpenCvPeer::Dnn), true, tip);
            set(n, 6, factor(*net->ms, fastTotal), true, tip);
        } else {
            const QString why = net ? QString::fromStdString(net->why_not) : QString();
            const QString tip =
                cvRows == 0 ? openCvToolTip(net, reference_ != nullptr)
                            : tr("The sum over the %1 of %2 layers OpenCV timed, against the same "
                                 "layers of the fast engine (no network total: %3)")
                                  .arg(cvRows)
                                  .arg(n)
                                  .arg(why);
            set(n, 5, cvTotal > 0 ? ms(cvTotal) : QStringLiteral("—"), true, tip);
            set(n, 6, cvTotal > 0 ? factor(cvTotal, cvFastTotal) : QStringLiteral("—"), true, tip);
        }
        for (int c = 0; c < 7; ++c)
            if (auto* item = table_->item(n, c); item && !item->font().bold())
                item->setFont(bold);
    }
    chart_->setRows(std::move(rows));

    QString status;
    if (reference_ && !reference_->failure.isEmpty())
        status = tr("timing the references failed: %1").arg(reference_->failure.toHtmlEscaped());
    else if (reference_ && reference_->skipped)
        status = tr("naive reference skipped (large image; tick “even for large images”)");
    else if (!haveNaive)
        status = tr("timing the naive reference…");
    else
        status = tr("naive reference: %1 ms").arg(ms(naiveTotal));
    summary_->setText(
        tr("<b>Fast engine</b>: %1 threads · SIMD %2 · live backend <b>%3</b> · %4")
            .arg(QThread::idealThreadCount())
            .arg(QString::fromStdString(simd_target()))
            .arg(document_->liveBackend() == BackendKind::Fast ? tr("fast") : tr("naive"))
            .arg(status));
}

} // namespace convscope::ui
