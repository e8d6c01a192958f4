// `varrl report RUN_DIR [RUN_DIR...] [--out FILE] [--title T]`: one self-contained HTML report of RL runs (plots,
// summary table, sample grids, before/after evaluation). Default output: RUN_DIR/report.html for one run,
// ./report.html for several. Ends with a JSON summary {"report": path, "runs": n}.
#include <memory>
#include <string>
#include <vector>

#include "varrl/cli/commands.h"
#include "varrl/core/metrics.h"
#include "varrl/report/html_report.h"

namespace varrl::cli {

namespace {

struct ReportArgs {
  std::vector<std::string> run_dirs;
  std::string out;
  std::string title;
};

void run_report(const ReportArgs& a) {
  std::string out = a.out;
  if (out.empty()) out = a.run_dirs.size() == 1 ? a.run_dirs[0] + "/report.html" : "report.html";
  ReportOptions opt;
  if (!a.title.empty()) opt.title = a.title;
  write_report(a.run_dirs, out, opt);
  print_summary({{"report", out}, {"runs", a.run_dirs.size()}});
}

}  // namespace

void add_report_command(CLI::App& app) {
  auto args = std::make_shared<ReportArgs>();
  auto* cmd = app.add_subcommand("report", "write a self-contained HTML report of one or several RL run folders");
  cmd->add_option("run_dirs", args->run_dirs, "RL run folders (each with metrics.jsonl)")->required();
  cmd->add_option("--out", args->out, "HTML file to write (default RUN_DIR/report.html, or ./report.html for several)");
  cmd->add_option("--title", args->title, "page title (default \"varrl report\")");
  cmd->callback([args] { run_report(*args); });
}

}  // namespace varrl::cli
