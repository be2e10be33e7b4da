#include "file_problem.hpp"

#include <QDir>
#include <QFileInfo>
#include <QObject>

namespace convscope::ui {

FileProblem::Kind FileProblem::kindOf(const QString& path) {
    const QString suffix = QFileInfo(path).suffix().toLower();
    if (suffix == QLatin1String("json"))
        return Kind::Pipeline;
    if (suffix == QLatin1String("convscope"))
        return Kind::Project;
    if (suffix == QLatin1String("onnx"))
        return Kind::Model;
    return Kind::Image;
}

QString FileProblem::text() const {
    const QString name = QFileInfo(path).fileName();
    switch (kind) {
    case Kind::Pipeline:
        return QObject::tr("Cannot open the pipeline “%1”.").arg(name);
    case Kind::Project:
        return QObject::tr("Cannot open the project “%1”.").arg(name);
    case Kind::Model:
        return QObject::tr("Cannot open the model “%1”.").arg(name);
    case Kind::Image:
        break;
    }
    return QObject::tr("Cannot open the image “%1”.").arg(name);
}

QString FileProblem::why() const {
    QString rest = reason.trimmed();
    // Readers say "<path>: what is wrong"; the text above names the file already.
    for (const QString& prefix : {path, QDir::toNativeSeparators(path),
                                  QFileInfo(path).absoluteFilePath(), QFileInfo(path).fileName()}) {
        if (!prefix.isEmpty() && rest.startsWith(prefix + QLatin1Char(':'))) {
            rest = rest.mid(prefix.size() + 1).trimmed();
            break;
        }
    }
    if (rest.isEmpty())
        return QObject::tr("It could not be read.");
    rest[0] = rest[0].toUpper();
    if (!rest.endsWith(QLatin1Char('.')))
        rest += QLatin1Char('.');
    return rest;
}

QString FileProblem::line() const {
    return QStringLiteral("%1 %2").arg(text(), why());
}

} // namespace convscope::ui
