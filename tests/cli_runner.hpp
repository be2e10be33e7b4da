#pragma once
// Runs convscope-cli as a user would, for the tests that check it end to end.

#include <QProcess>
#include <QString>
#include <QStringList>

struct CliResult {
    int exit_code = -1; // -2: timed out, -3: crashed
    QString out;
    QString err;
};

inline CliResult run_cli(const QStringList& arguments, const QString& working_dir = {},
                         int timeout_ms = 120000) {
    QProcess process;
    if (!working_dir.isEmpty())
        process.setWorkingDirectory(working_dir);
    process.start(CONVSCOPE_CLI_PATH, arguments);
    if (!process.waitForFinished(timeout_ms)) {
        process.kill();
        return {-2, {}, "timed out"};
    }
    CliResult result;
    result.exit_code = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -3;
    result.out = QString::fromUtf8(process.readAllStandardOutput());
    result.err = QString::fromUtf8(process.readAllStandardError());
    return result;
}
