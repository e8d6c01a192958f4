// A training checkpoint is one unit: the folder RUN/state. Its files are written whole into a fresh folder
// RUN/state.tmp.<pid>, which then replaces RUN/state in one atomic exchange (renameat2 RENAME_EXCHANGE), so a kill at
// any moment leaves either the old checkpoint or the new one, never a mix. Used by the RL trainer, pretraining and
// tokenizer training.
#pragma once
#include <string>

namespace varrl {

class CheckpointWriter {
 public:
  explicit CheckpointWriter(const std::string& run_dir);
  ~CheckpointWriter();  // an uncommitted folder is removed
  CheckpointWriter(const CheckpointWriter&) = delete;
  CheckpointWriter& operator=(const CheckpointWriter&) = delete;

  // Where the checkpoint's file `name` is to be written (inside the temp folder).
  std::string file(const std::string& name) const;
  // Publishes the temp folder as RUN/state (the previous checkpoint is removed afterwards).
  void commit();

 private:
  std::string run_dir_, tmp_dir_;
  bool committed_ = false;
};

// Before a resume reads RUN/state: finishes or undoes a publication that a kill interrupted and removes the temp
// files and folders (`*.tmp.<pid>`) that dead processes left in RUN and RUN/state. Returns how many it removed.
int recover_checkpoint(const std::string& run_dir);

// Test hook: with VARRL_TEST_ABORT_AFTER=<name>[:<n>] in the environment, the process kills itself with SIGKILL right
// after the n-th (default first) write of a file called <name> (or the checkpoint step called <name>: "commit"),
// to test what a `kill -9` at that moment leaves behind.
void test_abort_point(const std::string& name);

}  // namespace varrl
