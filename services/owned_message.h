#ifndef WARDEN_SERVICES_OWNED_MESSAGE_H_
#define WARDEN_SERVICES_OWNED_MESSAGE_H_

#include <cstddef>
#include <memory>

#include "google/protobuf/arena.h"
#include "google/protobuf/message_lite.h"

namespace warden::services {

// Deletes a message that lives either on the heap or on an arena of its own, which
// goes with it: one free per arena block instead of one per sub-message and string.
// Converts from std::default_delete, so a std::unique_ptr<M> becomes an
// OwnedMessage<M>.
struct MessageDeleter {
  MessageDeleter() = default;
  explicit MessageDeleter(google::protobuf::Arena* a) : arena(a) {}
  template <typename M>
  MessageDeleter(std::default_delete<M>) {}  // NOLINT: implicit, as unique_ptr's own

  void operator()(google::protobuf::MessageLite* m) const {
    if (arena != nullptr) {
      delete arena;
    } else {
      delete m;
    }
  }

  google::protobuf::Arena* arena = nullptr;
};

template <typename M>
using OwnedMessage = std::unique_ptr<M, MessageDeleter>;

// A new empty message on a new arena whose first block is `first_block_bytes` (later
// blocks double, up to 16 × that): a message parsed into it allocates a few blocks
// instead of every sub-message and string.
template <typename M>
OwnedMessage<M> NewArenaMessage(size_t first_block_bytes) {
  google::protobuf::ArenaOptions options;
  options.start_block_size = first_block_bytes;
  options.max_block_size = 16 * first_block_bytes;
  auto* arena = new google::protobuf::Arena(options);
  return OwnedMessage<M>(google::protobuf::Arena::CreateMessage<M>(arena), MessageDeleter(arena));
}

}  // namespace warden::services

#endif  // WARDEN_SERVICES_OWNED_MESSAGE_H_
