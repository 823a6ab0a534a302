#pragma once
// An append-only array that a ZoneView shares with the views patched from it.
//
// ZoneView::patch only appends to a view's names, rdata, RRsets and targets (old data stays as
// garbage until the next full compile), so a patched view does not need its own copy of them:
// it keeps the same block and appends past the end of its parent's part, where no reader of the
// parent looks. A block remembers how far any view has claimed it (`end`); a view may append in
// place only while it is that tip and the block has room, otherwise it copies its part into a
// new, larger block first (a second patch from the same parent, an undone candidate, growth).
// So a patch costs what it appends, not the size of the zone.
//
// Elements a view shares with others are never written: mut() copies the buffer first when the
// element lies before the part this view appended itself. Blocks never move, so the pointers
// readers hold into a published view stay valid for as long as they hold the view.
//
// Thread safety: a view's buffers are changed only while the view is being built (by one
// thread); claims on a shared block are atomic. Built views are read-only and may be shared.

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <string_view>
#include <type_traits>

namespace dnsedge::view {

template <class T>
class AppendBuffer {
  static_assert(std::is_trivially_copyable_v<T>, "AppendBuffer holds plain data only");

 public:
  AppendBuffer() = default;
  // A copy shares the block and owns none of it: writes to its elements copy first.
  AppendBuffer(const AppendBuffer& o) : block_(o.block_), data_(o.data_), size_(o.size_), owned_from_(o.size_) {}
  AppendBuffer& operator=(const AppendBuffer& o) {
    if (this != &o) {
      block_ = o.block_;
      data_ = o.data_;
      size_ = o.size_;
      owned_from_ = o.size_;
    }
    return *this;
  }
  AppendBuffer(AppendBuffer&& o) noexcept
      : block_(std::move(o.block_)), data_(o.data_), size_(o.size_), owned_from_(o.owned_from_) {
    o.reset();
  }
  AppendBuffer& operator=(AppendBuffer&& o) noexcept {
    if (this != &o) {
      block_ = std::move(o.block_);
      data_ = o.data_;
      size_ = o.size_;
      owned_from_ = o.owned_from_;
      o.reset();
    }
    return *this;
  }

  size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  size_t capacity() const noexcept { return block_ ? block_->cap : 0; }
  const T* data() const noexcept { return data_; }
  const T* begin() const noexcept { return data_; }
  const T* end() const noexcept { return data_ + size_; }
  const T& operator[](size_t i) const noexcept { return data_[i]; }
  const T& back() const noexcept { return data_[size_ - 1]; }

  // Element i to write: the buffer is copied first when element i is shared with another view.
  T& mut(size_t i) {
    if (i < owned_from_) reallocate(size_ + size_ / 4 + 16, size_);
    return data_[i];
  }

  void push_back(const T& v) { *grow(1) = v; }
  void append(const T* p, size_t n) {
    if (n == 0) return;
    std::memcpy(static_cast<void*>(grow(n)), p, n * sizeof(T));
  }
  template <class U = T, class = std::enable_if_t<std::is_same_v<U, char>>>
  void append(std::string_view s) {
    append(s.data(), s.size());
  }
  template <class U = T, class = std::enable_if_t<std::is_same_v<U, char>>>
  std::string_view view() const noexcept {
    return std::string_view(data_, size_);
  }

  // Shrinking gives back only what this view appended itself; growing value-initializes.
  void resize(size_t n) {
    if (n > size_) {
      T* p = grow(n - size_);
      for (T* e = data_ + size_; p != e; ++p) *p = T{};
      return;
    }
    if (n < owned_from_) {
      owned_from_ = n;  // shared data stays in the block for the others; appends copy first
    } else if (block_) {
      size_t tip = size_;
      block_->end.compare_exchange_strong(tip, n);  // give the tail back when nobody claimed past it
    }
    size_ = n;
  }
  // Room for n elements, appended in place (a copy made for it has room for half as many again
  // as this view has, for the patches to come).
  void reserve(size_t n) {
    if (n <= size_) return;
    if (block_ && block_.use_count() == 1) block_->end.store(size_, std::memory_order_relaxed);  // no other view
    if (!can_append(n - size_)) reallocate(n > size_ + size_ / 2 ? n : size_ + size_ / 2, size_);
  }
  // Keeps at most a quarter of the size as room for later patches.
  void shrink_to_fit() {
    if (block_ && block_.use_count() == 1 && block_->cap > size_ + size_ / 4 + 64) reallocate(size_ + size_ / 4, size_);
  }
  void clear() { reset(); }

 private:
  struct Block {
    explicit Block(size_t c) : cap(c), data(static_cast<T*>(std::malloc(c == 0 ? 1 : c * sizeof(T)))) {
      if (data == nullptr) throw std::bad_alloc();
    }
    ~Block() { std::free(data); }
    Block(const Block&) = delete;
    Block& operator=(const Block&) = delete;
    const size_t cap;
    T* const data;
    std::atomic<size_t> end{0};  // elements claimed by some view
  };

  void reset() noexcept {
    block_.reset();
    data_ = nullptr;
    size_ = 0;
    owned_from_ = 0;
  }
  bool can_append(size_t n) const noexcept {
    return block_ && size_ + n <= block_->cap && block_->end.load(std::memory_order_relaxed) == size_;
  }
  // A new block of at least `cap` with this view's elements, claimed up to `claim`.
  void reallocate(size_t cap, size_t claim) {
    auto b = std::make_shared<Block>(cap);
    if (size_ != 0) std::memcpy(static_cast<void*>(b->data), data_, size_ * sizeof(T));
    b->end.store(claim, std::memory_order_relaxed);
    block_ = std::move(b);
    data_ = block_->data;
    owned_from_ = 0;
  }
  // Claims n more elements and returns the first.
  T* grow(size_t n) {
    const size_t want = size_ + n;
    size_t tip = size_;
    if (block_ && block_.use_count() == 1) block_->end.store(size_, std::memory_order_relaxed);  // no other view
    if (!(block_ && want <= block_->cap && block_->end.compare_exchange_strong(tip, want))) {
      // Copy into a block with room: half again as much as the size, for the patches to come.
      const size_t cap = want > size_ + size_ / 2 ? want : size_ + size_ / 2;
      reallocate(cap < 64 ? 64 : cap, want);
    }
    T* p = data_ + size_;
    size_ = want;
    return p;
  }

  std::shared_ptr<Block> block_;
  T* data_ = nullptr;
  size_t size_ = 0;
  size_t owned_from_ = 0;  // elements [owned_from_, size_) were appended by this view alone
};

}  // namespace dnsedge::view
