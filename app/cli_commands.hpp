#pragma once
// The subcommands of convscope-cli. Each takes its own arguments (after the command name) and
// returns the process exit code: 0 success, 1 bad input or failed output, 2 bad usage.

#include <QStringList>

namespace convscope::cli {

int run_command(const QStringList& arguments);
int info_command(const QStringList& arguments);
int import_command(const QStringList& arguments);
int bench_command(const QStringList& arguments);
int project_command(const QStringList& arguments);

// Exit codes.
inline constexpr int kOk = 0;
inline constexpr int kFailed = 1;
inline constexpr int kUsage = 2;

} // namespace convscope::cli
