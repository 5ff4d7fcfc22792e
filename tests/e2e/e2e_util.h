#ifndef WARDEN_TESTS_E2E_E2E_UTIL_H_
#define WARDEN_TESTS_E2E_E2E_UTIL_H_

// Helpers for end-to-end tests that run real binaries on 127.0.0.1.
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace warden::e2e {

inline const std::string kWardend = std::string(WARDEN_BINARY_DIR) + "/services/wardend";
inline const std::string kWardenctl = std::string(WARDEN_BINARY_DIR) + "/tools/wardenctl";
inline const std::string kProfiles = std::string(WARDEN_SOURCE_DIR) + "/deploy/profiles";

struct Result {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

// Runs `command` with /bin/sh, capturing stdout and stderr.
Result RunShell(const std::string& command);

// A fresh directory under /tmp.
std::filesystem::path MakeTempDir(const std::string& prefix);
std::string ReadFile(const std::filesystem::path& path);
void WriteFile(const std::filesystem::path& path, const std::string& content);

// A TCP port on 127.0.0.1 that was free a moment ago (for servers that cannot bind
// port 0 and report it, like Alertmanager).
int FreePort();

// Polls `pred` every 50 ms until it holds or `timeout` passes; returns its last value.
bool Eventually(const std::function<bool()>& pred,
                std::chrono::milliseconds timeout = std::chrono::seconds(15));

// A child process, stopped (SIGTERM, then SIGKILL after 5 s) when destroyed.
class Process {
 public:
  Process() = default;
  ~Process() { Stop(); }
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  // Starts argv[0] with stdout and stderr appended to `log`.
  void Start(const std::vector<std::string>& argv, const std::filesystem::path& log);
  bool running();
  void Kill(int signal);    // sends and waits for the exit
  void Signal(int signal);  // sends only
  void Stop();
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
};

// wardend on 127.0.0.1 with free ports, the ready file in `dir`.
class Wardend {
 public:
  // Starts it with `args` added to --listen/--metrics-listen/--ready-file and waits
  // until it is serving. Returns false (with the log in *error) if it does not come up.
  bool Start(const std::filesystem::path& dir, const std::vector<std::string>& args,
             std::string* error);
  void Kill(int signal) { process_.Kill(signal); }
  void Signal(int signal) { process_.Signal(signal); }
  const std::string& grpc() const { return grpc_; }
  const std::string& metrics() const { return metrics_; }
  // wardenctl against this wardend.
  Result Ctl(const std::string& args) const;

 private:
  Process process_;
  std::string grpc_, metrics_;
};

}  // namespace warden::e2e

#endif  // WARDEN_TESTS_E2E_E2E_UTIL_H_
