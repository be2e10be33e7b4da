#include "compare_view.hpp"

#include "document.hpp"
#include "map_rendering.hpp"
#include "number_format.hpp"

#include <QCheckBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QMouseEvent>
#include <QPainter>
#include <QPushButton>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

#include <cmath>
#include <utility>

namespace convscope::ui {

namespace {

QImage picture(const Tensor& t, Colormap map, ValueRange range) {
    return toQImage(colorize(t, 0, map, range));
}

Tensor channelCopy(const Tensor& t, int channel) {
    Tensor out(1, t.height(), t.width());
    for (int y = 0; y < t.height(); ++y)
        std::copy_n(t.row(channel, y), t.width(), out.row(0, y));
    return out;
}

ValueRange unite(ValueRange a, ValueRange b) {
    return {std::min(a.min, b.min), std::max(a.max, b.max)};
}

} // namespace

ComparePictures::ComparePictures(QWidget* parent) : QWidget(parent) {
    setMouseTracking(true);
    setMinimumHeight(120);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
    setToolTip(tr("A (pinned), B (the map shown large) and A − B: blue where B is larger, red "
                  "where A is larger, white where they agree. Hover to read the values"));
}

void ComparePictures::setPictures(const QImage& a, const QImage& b, const QImage& diff,
                                  const QStringList& captions, QSize mapSize) {
    images_[0] = a;
    images_[1] = b;
    images_[2] = diff;
    captions_ = captions;
    mapSize_ = mapSize;
    update();
}

QRectF ComparePictures::box(int index) const {
    const int caption = fontMetrics().height() + 4;
    const double cellW = (width() - 4 * 8) / 3.0;
    const QRectF cell(8 + index * (cellW + 8), caption, cellW, height() - caption - 4);
    const QImage& image = images_[index];
    if (image.isNull())
        return cell;
    const double scale = std::min(cell.width() / image.width(), cell.height() / image.height());
    const QSizeF size(image.width() * scale, image.height() * scale);
    return QRectF(cell.left() + (cell.width() - size.width()) / 2, cell.top(), size.width(),
                  size.height());
}

int ComparePictures::pictureAt(QPoint pos, QPoint* pixel) const {
    for (int i = 0; i < 3; ++i) {
        const QRectF b = box(i);
        if (images_[i].isNull() || !b.contains(pos))
            continue;
        const QSize size = i == 0 || images_[i].size() == mapSize_ ? images_[i].size() : mapSize_;
        if (pixel)
            *pixel = QPoint(int((pos.x() - b.left()) / b.width() * size.width()),
                            int((pos.y() - b.top()) / b.height() * size.height()));
        return i;
    }
    return -1;
}

void ComparePictures::paintEvent(QPaintEvent*) {
    QPainter p(this);
    const QPalette& pal = palette();
    p.fillRect(rect(), pal.color(QPalette::Base));
    for (int i = 0; i < 3; ++i) {
        const QRectF b = box(i);
        const double cellW = (width() - 4 * 8) / 3.0;
        const QRectF captionBox(8 + i * (cellW + 8), 0, cellW, fontMetrics().height() + 2);
        p.setPen(pal.color(QPalette::Text));
        p.drawText(
            captionBox, Qt::AlignHCenter | Qt::AlignVCenter,
            fontMetrics().elidedText(captions_.value(i), Qt::ElideRight, int(captionBox.width())));
        if (images_[i].isNull()) {
            p.setPen(pal.color(QPalette::PlaceholderText));
            p.drawText(b, Qt::AlignCenter | Qt::TextWordWrap,
                       i == 0   ? tr("Pin a map first")
                       : i == 2 ? tr("—")
                                : QString());
            continue;
        }
        p.setRenderHint(QPainter::SmoothPixmapTransform, b.width() < images_[i].width());
        p.drawImage(b, images_[i]);
        p.setPen(pal.color(QPalette::Mid));
        p.drawRect(b.adjusted(-0.5, -0.5, 0.5, 0.5));
    }
}

void ComparePictures::mouseMoveEvent(QMouseEvent* event) {
    QPoint pixel;
    if (pictureAt(event->position().toPoint(), &pixel) >= 0)
        Q_EMIT hovered(pixel);
    else
        Q_EMIT hovered(QPoint(-1, -1));
}

void ComparePictures::leaveEvent(QEvent*) {
    Q_EMIT hovered(QPoint(-1, -1));
}

CompareView::CompareView(Document* document, MapDataProvider* data, QWidget* parent)
    : QWidget(parent), document_(document), data_(data), watcher_(new QFutureWatcher<Job>(this)) {
    setObjectName(QStringLiteral("compareView"));
    pin_ = new QPushButton(tr("Pin current map as A"));
    pin_->setObjectName(QStringLiteral("comparePin"));
    pin_->setToolTip(tr("Freeze the values of the map shown large as A; then show any other map "
                        "(or edit a kernel) to compare it with A"));
    clear_ = new QPushButton(tr("Clear"));
    clear_->setToolTip(tr("Forget the pinned map"));
    clear_->setEnabled(false);
    shared_ = new QCheckBox(tr("Same scale for A and B"));
    shared_->setToolTip(tr("Colour A and B over their common range, so equal colours mean equal "
                           "values (otherwise each spans its own range)"));
    shared_->setChecked(true);
    summary_ = new QLabel;
    summary_->setObjectName(QStringLiteral("compareSummary"));
    summary_->setWordWrap(true);
    summary_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    summary_->setToolTip(tr("How far apart A and B are: the largest and mean absolute difference, "
                            "the root mean square, and how many values differ"));
    readout_ = new QLabel;
    readout_->setToolTip(tr("A, B and A − B at the pixel under the mouse"));
    pictures_ = new ComparePictures;
    connect(pictures_, &ComparePictures::hovered, this, &CompareView::showReadout);

    auto* buttons = new QHBoxLayout;
    buttons->addWidget(pin_);
    buttons->addWidget(clear_);
    buttons->addWidget(shared_);
    buttons->addStretch(1);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 6, 6);
    layout->addLayout(buttons);
    layout->addWidget(pictures_, 1);
    layout->addWidget(summary_);
    layout->addWidget(readout_);

    connect(pin_, &QPushButton::clicked, this, &CompareView::pinCurrent);
    connect(clear_, &QPushButton::clicked, this, &CompareView::clearPin);
    connect(shared_, &QCheckBox::toggled, this, [this] {
        requestedSerial_ = 0;
        update_();
    });
    connect(document_, &Document::focusChanged, this, &CompareView::update_);
    connect(document_, &Document::displayChanged, this, [this] {
        requestedSerial_ = 0;
        update_();
    });
    connect(data_, &MapDataProvider::snapshotReady, this, &CompareView::update_);
    connect(watcher_, &QFutureWatcher<Job>::finished, this, [this] {
        Job job = watcher_->result();
        if (!pinned_ || job.pin != pinSerial_) { // unpinned or pinned anew meanwhile
            if (std::exchange(dirty_, false))
                update_();
            return;
        }
        comparedMap_ = job.map;
        difference_ = std::move(job.difference);
        stats_.reset();
        const Pipeline& p = document_->pipeline();
        const QString b = mapName(comparedMap_, p);
        if (job.sameSize) {
            stats_ = job.stats;
            summary_->setText(
                tr("A − B: max |Δ| %1 · mean |Δ| %2 · RMS %3 · %4 of %5 values differ%6")
                    .arg(formatNumber(job.stats.maxAbs, 4), formatNumber(job.stats.meanAbs, 4),
                         formatNumber(job.stats.rms, 4))
                    .arg(job.stats.differing)
                    .arg(job.stats.count)
                    .arg(job.stats.differing == 0 ? tr(" — identical") : QString()));
        } else {
            summary_->setText(tr("The maps differ in size (A %1 × %2, B %3 × %4): shown side by "
                                 "side, no difference map")
                                  .arg(pinned_->width())
                                  .arg(pinned_->height())
                                  .arg(job.b.width())
                                  .arg(job.b.height()));
        }
        pictures_->setPictures(
            job.a, job.b, job.diff,
            {tr("A: %1 (pinned)").arg(pinnedName_), tr("B: %1").arg(b),
             job.sameSize ? tr("A − B (±%1)").arg(formatNumber(job.rangeDiff.max, 3)) : QString()},
            QSize(job.b.width(), job.b.height()));
        Q_EMIT compared();
        if (dirty_) {
            dirty_ = false;
            update_();
        }
    });
}

CompareView::~CompareView() {
    watcher_->waitForFinished();
}

void CompareView::showEvent(QShowEvent* event) {
    QWidget::showEvent(event);
    data_->setWanted(QStringLiteral("compare"), true);
    update_();
}

void CompareView::hideEvent(QHideEvent* event) {
    QWidget::hideEvent(event);
    data_->setWanted(QStringLiteral("compare"), false);
}

QString CompareView::mapName(MapId id, const Pipeline& pipeline) const {
    if (id.layer < 0)
        return tr("input ch %1").arg(id.channel + 1);
    const QString name = id.layer < int(pipeline.layers.size())
                             ? QString::fromStdString(display_name(pipeline.layers[id.layer]))
                             : QString();
    return tr("layer %1 %2 · map %3").arg(id.layer + 1).arg(name).arg(id.channel + 1);
}

QString CompareView::summary() const {
    return summary_->text();
}

void CompareView::setSharedScale(bool shared) {
    shared_->setChecked(shared);
}

void CompareView::pinCurrent() {
    const MapId focus = document_->focus();
    data_->withCurrent(this, [this, focus](std::shared_ptr<const MapSnapshot> s) {
        if (!s->contains(focus))
            return;
        pinned_ = channelCopy(*s->maps(focus.layer), focus.channel);
        pinnedMap_ = focus;
        pinnedName_ = mapName(focus, s->pipeline);
        ++pinSerial_;
        clear_->setEnabled(true);
        requestedSerial_ = 0;
        update_();
    });
}

void CompareView::clearPin() {
    pinned_.reset();
    pinnedMap_ = MapId{-2, 0};
    clear_->setEnabled(false);
    comparedMap_ = requestedMap_ = MapId{-2, 0};
    difference_ = Tensor();
    stats_.reset();
    summary_->setText(QString());
    pictures_->setPictures({}, {}, {}, {}, {});
}

void CompareView::update_() {
    auto snapshot = data_->snapshot();
    const MapId focus = document_->focus();
    if (!pinned_ || !snapshot || !snapshot->contains(focus) || !isVisible())
        return;
    if (requestedMap_ == focus && requestedSerial_ == snapshot->revision &&
        requestedPin_ == pinSerial_)
        return;
    if (watcher_->isRunning()) {
        dirty_ = true;
        return;
    }
    // What is shown (comparedMap_, difference_, stats_) changes together when the job is done;
    // until then it still describes the last comparison finished.
    requestedMap_ = focus;
    requestedSerial_ = snapshot->revision;
    requestedPin_ = pinSerial_;
    const Tensor a = *pinned_;
    const bool shared = shared_->isChecked();
    const Colormap requested = document_->display().colormap;
    const quint64 pin = pinSerial_;
    watcher_->setFuture(QtConcurrent::run([a, snapshot, focus, shared, requested, pin]() {
        Job job;
        job.map = focus;
        job.pin = pin;
        const Tensor b = channelCopy(*snapshot->maps(focus.layer), focus.channel);
        job.rangeA = map_range(a, 0);
        job.rangeB = map_range(b, 0);
        const ValueRange both = unite(job.rangeA, job.rangeB);
        const ValueRange ra = shared ? both : job.rangeA, rb = shared ? both : job.rangeB;
        const Colormap ca = resolve_colormap(requested, ra), cb = resolve_colormap(requested, rb);
        job.a = picture(a, ca, display_range(ca, ra));
        job.b = picture(b, cb, display_range(cb, rb));
        job.sameSize = a.width() == b.width() && a.height() == b.height();
        if (!job.sameSize)
            return job;
        job.difference = Tensor(1, a.height(), a.width());
        double sumAbs = 0, sumSq = 0, maxAbs = 0;
        std::int64_t differing = 0;
        for (int y = 0; y < a.height(); ++y) {
            const float* pa = a.row(0, y);
            const float* pb = b.row(0, y);
            float* pd = job.difference.row(0, y);
            for (int x = 0; x < a.width(); ++x) {
                const float d = pa[x] - pb[x];
                pd[x] = d;
                if (!std::isfinite(d))
                    continue;
                sumAbs += std::abs(d);
                sumSq += double(d) * d;
                maxAbs = std::max(maxAbs, double(std::abs(d)));
                differing += d != 0.0f;
            }
        }
        const std::int64_t n = std::int64_t(a.width()) * a.height();
        job.stats =
            DifferenceStats{maxAbs, sumAbs / double(n), std::sqrt(sumSq / double(n)), differing, n};
        const float m = maxAbs > 0 ? float(maxAbs) : 1.0f;
        job.rangeDiff = ValueRange{-m, m};
        job.diff = picture(job.difference, Colormap::Diverging, job.rangeDiff);
        return job;
    }));
}

void CompareView::showReadout(QPoint pixel) {
    auto snapshot = data_->snapshot();
    if (pixel.x() < 0 || !pinned_ || !snapshot || !snapshot->contains(comparedMap_)) {
        readout_->clear();
        return;
    }
    const Tensor& b = *snapshot->maps(comparedMap_.layer);
    QString text = tr("x %1, y %2: ").arg(pixel.x()).arg(pixel.y());
    const bool inA = pixel.x() < pinned_->width() && pixel.y() < pinned_->height();
    const bool inB = pixel.x() < b.width() && pixel.y() < b.height();
    if (inA)
        text += tr("A %1").arg(formatNumber(pinned_->at(0, pixel.y(), pixel.x())));
    if (inB)
        text += tr("   B %1").arg(formatNumber(b.at(comparedMap_.channel, pixel.y(), pixel.x())));
    if (inA && inB && !difference_.empty())
        text += tr("   A − B %1").arg(formatNumber(difference_.at(0, pixel.y(), pixel.x())));
    readout_->setText(text);
}

} // namespace convscope::ui
