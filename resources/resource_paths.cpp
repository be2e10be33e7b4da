#include "resource_paths.hpp"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>

namespace convscope {

QString resource_dir() {
    QStringList candidates;
    const QString from_env = qEnvironmentVariable("CONVSCOPE_RESOURCES");
    if (!from_env.isEmpty())
        candidates << from_env;
    if (QCoreApplication::instance())
        candidates << QCoreApplication::applicationDirPath() + "/../" +
                          CONVSCOPE_INSTALLED_RESOURCES_SUBDIR;
    candidates << QStringLiteral(CONVSCOPE_SOURCE_RESOURCES_DIR);
    for (const QString& dir : candidates)
        if (QFileInfo(dir + "/samples").isDir())
            return QDir(dir).absolutePath();
    return {};
}

QString resource_path(const QString& relative) {
    const QString dir = resource_dir();
    return dir.isEmpty() ? relative : dir + "/" + relative;
}

} // namespace convscope
