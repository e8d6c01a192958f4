// What must not outlive this process when a signal ends it: helper process groups (the external reward program, OCR
// workers, whatever they started) and temporary folders. Destructors handle normal exits; the handlers installed by
// install_exit_cleanup_handlers() handle SIGINT/SIGTERM/SIGHUP that end the program (async-signal-safe: kill, and
// getdents64/unlinkat/rmdir on flat folders), then let the signal end the process as it would have.
#pragma once
#include <sys/types.h>

#include <string>

namespace varrl {

void register_child_group(pid_t pgid);
void unregister_child_group(pid_t pgid);
// A flat folder (files only) of at most 255 bytes of path.
void register_temp_dir(const std::string& dir);
void unregister_temp_dir(const std::string& dir);

// Kills every registered group (SIGKILL) and removes every registered folder. Async-signal-safe.
void cleanup_children_and_temp_dirs();
// For SIGINT, SIGTERM and SIGHUP: clean up, then die by the same signal. A command that handles a signal itself
// (the RL loop: stop after the step and checkpoint) installs its own handler for that time.
void install_exit_cleanup_handlers();

}  // namespace varrl
