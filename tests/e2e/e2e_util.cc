#include "e2e_util.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

#include "nlohmann/json.hpp"

namespace warden::e2e {

namespace fs = std::filesystem;

Result RunShell(const std::string& command) {
  Result r;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return r;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) r.output.append(buf, n);
  const int status = pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

fs::path MakeTempDir(const std::string& prefix) {
  std::string tmpl = "/tmp/" + prefix + "-XXXXXX";
  if (mkdtemp(tmpl.data()) == nullptr) return {};
  return tmpl;
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteFile(const fs::path& path, const std::string& content) {
  std::ofstream(path, std::ios::trunc) << content;
}

int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

bool Eventually(const std::function<bool()>& pred, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return pred();
}

void Process::Start(const std::vector<std::string>& argv, const fs::path& log) {
  pid_ = fork();
  if (pid_ != 0) return;
  const int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  dup2(fd, 1);
  dup2(fd, 2);
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  execv(args[0], args.data());
  _exit(127);
}

bool Process::running() {
  if (pid_ <= 0) return false;
  int status;
  if (waitpid(pid_, &status, WNOHANG) == pid_) {
    pid_ = -1;
    return false;
  }
  return true;
}

void Process::Kill(int signal) {
  if (pid_ <= 0) return;
  kill(pid_, signal);
  int status;
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

void Process::Signal(int signal) {
  if (pid_ > 0) kill(pid_, signal);
}

void Process::Stop() {
  if (pid_ <= 0) return;
  kill(pid_, SIGTERM);
  for (int i = 0; i < 100; ++i) {
    int status;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  Kill(SIGKILL);
}

bool Wardend::Start(const fs::path& dir, const std::vector<std::string>& args, std::string* error) {
  const fs::path ready = dir / "ready.json";
  fs::remove(ready);
  std::vector<std::string> argv = {kWardend,      "--listen",     "127.0.0.1:0", "--metrics-listen",
                                   "127.0.0.1:0", "--ready-file", ready.string()};
  argv.insert(argv.end(), args.begin(), args.end());
  process_.Start(argv, dir / "wardend.log");
  const bool up = Eventually([&] { return fs::exists(ready) || !process_.running(); },
                             std::chrono::seconds(30));
  if (!up || !fs::exists(ready)) {
    *error = "wardend did not start:\n" + ReadFile(dir / "wardend.log");
    return false;
  }
  nlohmann::json j = nlohmann::json::parse(ReadFile(ready));
  grpc_ = j.at("grpc").get<std::string>();
  metrics_ = j.at("metrics").get<std::string>();
  return true;
}

Result Wardend::Ctl(const std::string& args) const {
  return RunShell(kWardenctl + " --server " + grpc_ + " " + args);
}

}  // namespace warden::e2e
