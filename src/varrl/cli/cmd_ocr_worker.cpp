// `varrl ocr-worker --options JSON` (hidden): one OCR worker process, started by reward/ocr_pool.h.
#include <nlohmann/json.hpp>

#include <cstdlib>

#include "varrl/cli/commands.h"
#include "varrl/core/error.h"
#include "varrl/reward/ocr_worker.h"

namespace varrl::cli {

void add_ocr_worker_command(CLI::App& app) {
  auto options = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand("ocr-worker", "internal: an OCR worker speaking JSON lines on stdin/stdout");
  cmd->group("");  // hidden from --help
  cmd->add_option("--options", *options, "OCR options as JSON")->required();
  cmd->callback([options] {
    OcrOptions opts;
    try {
      opts = ocr_options_from_json(nlohmann::json::parse(*options));
    } catch (const std::exception& e) {
      throw Error(std::string("ocr-worker: bad --options: ") + e.what());
    }
    std::exit(run_ocr_worker(opts));
  });
}

}  // namespace varrl::cli
