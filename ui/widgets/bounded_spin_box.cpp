#include "bounded_spin_box.hpp"

#include <QEvent>
#include <QLineEdit>
#include <QToolTip>

#include <algorithm>

namespace convscope::ui {

BoundedSpinBox::BoundedSpinBox(QWidget* parent) : QSpinBox(parent) {
    setKeyboardTracking(false);
    connect(this, &QAbstractSpinBox::editingFinished, this, &BoundedSpinBox::reportClamp);
}

void BoundedSpinBox::setLimits(int minimum, int maximum) {
    lowest_ = minimum;
    highest_ = maximum;
    setRange(minimum, maximum);
    updateToolTip();
}

void BoundedSpinBox::showValue(int value) {
    setRange(std::min(lowest_, value), std::max(highest_, value));
    setValue(value);
    updateToolTip();
}

void BoundedSpinBox::setDescription(const QString& description) {
    description_ = description;
    updateToolTip();
}

QString BoundedSpinBox::limitsText() const {
    return tr("%1 to %2").arg(minimum()).arg(maximum());
}

void BoundedSpinBox::updateToolTip() {
    const QString limits = tr("Allowed: %1.").arg(limitsText());
    setToolTip(description_.isEmpty() ? limits : description_ + u'\n' + limits);
}

bool BoundedSpinBox::typedNumber(const QString& text, qlonglong& number) const {
    QString core = text;
    if (!prefix().isEmpty() && core.startsWith(prefix()))
        core.remove(0, prefix().size());
    if (!suffix().isEmpty() && core.endsWith(suffix()))
        core.chop(suffix().size());
    bool ok = false;
    number = locale().toLongLong(core.trimmed(), &ok);
    return ok;
}

QValidator::State BoundedSpinBox::validate(QString& text, int& pos) const {
    // Any whole number may be typed; one outside the limits is only not yet acceptable, so
    // fixup() can say so when the user is done instead of the keystroke being refused.
    qlonglong number = 0;
    if (typedNumber(text, number))
        return number >= minimum() && number <= maximum() ? QValidator::Acceptable
                                                          : QValidator::Intermediate;
    const QValidator::State state = QSpinBox::validate(text, pos);
    return state == QValidator::Invalid ? QValidator::Invalid : QValidator::Intermediate;
}

void BoundedSpinBox::fixup(QString& text) const {
    qlonglong number = 0;
    if (!typedNumber(text, number)) {
        QSpinBox::fixup(text);
        return;
    }
    const qlonglong nearest = std::clamp<qlonglong>(number, minimum(), maximum());
    if (nearest != number) {
        clamped_ = true;
        clampedFrom_ = number;
    }
    text = prefix() + locale().toString(nearest) + suffix();
}

bool BoundedSpinBox::event(QEvent* event) {
    if (event->type() == QEvent::ToolTip) // the range may have changed since
        updateToolTip();
    return QSpinBox::event(event);
}

void BoundedSpinBox::reportClamp() {
    if (!clamped_)
        return;
    clamped_ = false;
    const QString what = quantity_.isEmpty() ? tr("The value") : quantity_;
    const QString text =
        tr("%1 must be %2: %3 became %4.").arg(what, limitsText()).arg(clampedFrom_).arg(value());
    if (isVisible())
        QToolTip::showText(mapToGlobal(QPoint(0, height())), text, this);
    Q_EMIT limitMessage(text);
}

} // namespace convscope::ui
