#ifndef WARDEN_COMMON_THREAD_NAME_H_
#define WARDEN_COMMON_THREAD_NAME_H_

#include <string>

namespace warden {

// Names the calling thread as `top -H`, `ps -L`, perf and gdb show it (Linux keeps the
// first 15 bytes).
void NameThisThread(const std::string& name);

}  // namespace warden

#endif  // WARDEN_COMMON_THREAD_NAME_H_
