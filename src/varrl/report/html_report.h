// `varrl report`: one self-contained HTML file (inline SVG plots, PNGs as data URIs, no network) describing one or
// several RL run directories (metrics.jsonl, samples/step_NNNNNN.png, eval.json, eval_{before,after}.png,
// config.yaml). See docs/report.md.
#pragma once
#include <string>
#include <vector>

namespace varrl {

struct ReportOptions {
  std::string title = "varrl report";
  std::vector<std::string> table_header;  // optional extra table (e.g. the ablation table)
  std::vector<std::vector<std::string>> table_rows;
  // An optional opening "Result" section: a table and a PNG (e.g. `varrl demo`'s before/after grid).
  std::vector<std::string> lead_header;
  std::vector<std::vector<std::string>> lead_rows;
  std::string lead_image, lead_caption;
};

// Writes the report to `out_file` atomically. Throws varrl::Error (one line naming the path) when a run directory is
// missing or has no metrics.jsonl, or when one of its files is malformed (bad JSON line, eval.json, non-PNG image).
void write_report(const std::vector<std::string>& run_dirs, const std::string& out_file, const ReportOptions& opt = {});

}  // namespace varrl
