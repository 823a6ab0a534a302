#pragma once
// ConnTable: the open connections of a server, with a limit, and the choice of the connection to
// shed when a new one arrives at that limit. Idle connections are closed first (RFC 7766
// §6.2.3), so a flood of idle or slow connections never locks everyone else out.
//
// A connection is either waiting (idle between requests, or a request not yet complete) or busy
// (being answered, proxied or written). At the limit, victim() names the connection to close
// for a newcomer from `peer`: the one of that same address that has been waiting longest, else
// the one that has been waiting longest of all; none (refuse the newcomer) when every
// connection is busy. A connection that goes back to waiting joins the end of the queue: age
// counts from the moment it started waiting, and bytes trickling into an incomplete request do
// not make it younger. A client that sends its request promptly is the youngest waiter, so it
// is the last to be shed even when the flood comes from its own address.
//
// No allocation per state change (intrusive lists): one node per connection and one map entry
// per distinct peer address.
//
// Thread safety: none; a table belongs to one thread (its server's I/O thread).

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <string_view>
#include <unordered_map>

namespace dnsedge::common {

// A client's address without the port: family 4 (first 4 bytes used) or 6.
struct PeerAddress {
  uint8_t family = 0;
  std::array<uint8_t, 16> bytes{};

  static PeerAddress v4(const void* four) {
    PeerAddress p;
    p.family = 4;
    std::memcpy(p.bytes.data(), four, 4);
    return p;
  }
  static PeerAddress v6(const void* sixteen) {
    PeerAddress p;
    p.family = 6;
    std::memcpy(p.bytes.data(), sixteen, 16);
    return p;
  }
  bool operator==(const PeerAddress&) const = default;
};

struct PeerAddressHash {
  size_t operator()(const PeerAddress& p) const noexcept {
    return std::hash<std::string_view>{}(std::string_view(reinterpret_cast<const char*>(p.bytes.data()), 16)) ^
           p.family;
  }
};

template <typename T>
class ConnTable {
  struct Peer;

 public:
  class Entry {
   public:
    T& value() noexcept { return value_; }
    bool waiting() const noexcept { return waiting_; }
    const PeerAddress& peer() const noexcept { return peer_->first; }

   private:
    friend class ConnTable;
    Entry(T v, std::pair<const PeerAddress, Peer>* p) : value_(std::move(v)), peer_(p) {}
    T value_;
    std::pair<const PeerAddress, Peer>* peer_;
    bool waiting_ = false;
    Entry* prev_all_ = nullptr;  // the waiting queue of the whole table
    Entry* next_all_ = nullptr;
    Entry* prev_peer_ = nullptr;  // the waiting queue of its peer address
    Entry* next_peer_ = nullptr;
    Entry* prev_any_ = nullptr;  // every entry, waiting or busy
    Entry* next_any_ = nullptr;
  };

  explicit ConnTable(size_t limit) : limit_(limit) {}
  ~ConnTable() { clear(); }
  ConnTable(const ConnTable&) = delete;
  ConnTable& operator=(const ConnTable&) = delete;

  size_t size() const noexcept { return size_; }
  size_t limit() const noexcept { return limit_; }
  bool full() const noexcept { return size_ >= limit_; }
  size_t waiting() const noexcept { return waiting_; }

  // The connection to close to make room for a newcomer from `peer`: its own address's oldest
  // waiter, else the oldest waiter; nullptr when no connection is waiting.
  Entry* victim(const PeerAddress& peer) const noexcept {
    if (auto it = peers_.find(peer); it != peers_.end() && it->second.head != nullptr) return it->second.head;
    return head_;
  }

  // Registers a new connection, waiting (for its first request). Throws std::bad_alloc.
  Entry* add(const PeerAddress& peer, T value) {
    auto& slot = *peers_.try_emplace(peer).first;
    auto* e = new Entry(std::move(value), &slot);
    e->next_any_ = any_;
    if (any_ != nullptr) any_->prev_any_ = e;
    any_ = e;
    ++slot.second.count;
    ++size_;
    set_waiting(e, true);
    return e;
  }

  // Waiting: appended to the end of the queues (when it was busy); busy: taken out of them.
  void set_waiting(Entry* e, bool waiting) noexcept {
    if (e->waiting_ == waiting) return;
    Peer& p = e->peer_->second;
    if (waiting) {
      e->prev_all_ = tail_;
      e->next_all_ = nullptr;
      (tail_ != nullptr ? tail_->next_all_ : head_) = e;
      tail_ = e;
      e->prev_peer_ = p.tail;
      e->next_peer_ = nullptr;
      (p.tail != nullptr ? p.tail->next_peer_ : p.head) = e;
      p.tail = e;
      ++waiting_;
    } else {
      (e->prev_all_ != nullptr ? e->prev_all_->next_all_ : head_) = e->next_all_;
      (e->next_all_ != nullptr ? e->next_all_->prev_all_ : tail_) = e->prev_all_;
      (e->prev_peer_ != nullptr ? e->prev_peer_->next_peer_ : p.head) = e->next_peer_;
      (e->next_peer_ != nullptr ? e->next_peer_->prev_peer_ : p.tail) = e->prev_peer_;
      e->prev_all_ = e->next_all_ = e->prev_peer_ = e->next_peer_ = nullptr;
      --waiting_;
    }
    e->waiting_ = waiting;
  }

  // Forgets the connection and frees its entry (the pointer is invalid afterwards).
  void remove(Entry* e) noexcept {
    set_waiting(e, false);
    (e->prev_any_ != nullptr ? e->prev_any_->next_any_ : any_) = e->next_any_;
    if (e->next_any_ != nullptr) e->next_any_->prev_any_ = e->prev_any_;
    if (--e->peer_->second.count == 0) {
      const PeerAddress key = e->peer_->first;
      peers_.erase(key);
    }
    --size_;
    delete e;
  }

  // Calls f(value) for every connection, waiting or busy (shutdown). f must not change the table.
  template <typename F>
  void for_each(F&& f) const {
    for (Entry* e = any_; e != nullptr; e = e->next_any_) f(e->value_);
  }

  // Calls f(value) for every waiting connection, oldest first (the whole table).
  template <typename F>
  void for_each_waiting(F&& f) const {
    for (Entry* e = head_; e != nullptr; e = e->next_all_) f(e->value_);
  }

 private:
  struct Peer {
    size_t count = 0;  // connections from this address, waiting or busy
    Entry* head = nullptr;
    Entry* tail = nullptr;
  };

  void clear() noexcept {
    while (any_ != nullptr) remove(any_);
  }

  size_t limit_;
  size_t size_ = 0;
  size_t waiting_ = 0;
  Entry* head_ = nullptr;  // oldest waiter
  Entry* tail_ = nullptr;
  Entry* any_ = nullptr;   // every entry (no order)
  std::unordered_map<PeerAddress, Peer, PeerAddressHash> peers_;
};

}  // namespace dnsedge::common
