#pragma once
// SharedVector: the values of a vector, shared between copies until one of them writes
// (copy-on-write).
//
// A trained network holds millions of weights, and a pipeline is a value that is copied often:
// the app's undo keeps the pipeline before and after every edit, and a backend keeps the last
// pipeline it ran to find what changed. With weights in SharedVectors those copies share the
// numbers, copying a pipeline costs a few pointer copies per layer, and comparing an unchanged
// layer with its copy is a pointer comparison.
//
// Reading looks like reading a std::vector (data, size, operator[], begin/end, span). Writing
// is explicit: write() returns the vector itself, copying the values first when anyone else
// shares them, so a write never changes another copy; assign, resize, push_back and clear are
// writes too. There is deliberately no non-const operator[]: code that only reads never copies
// by accident.
//
// Thread safety is that of a std::vector value: copies may be read and written on different
// threads; one object must not be written while another thread uses it.

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <initializer_list>
#include <memory>
#include <span>
#include <stdexcept>
#include <vector>

namespace convscope {

template <class T> class SharedVector {
public:
    using value_type = T;
    using size_type = std::size_t;
    using const_iterator = const T*;
    using iterator = const T*; // reading only: write through write()
    using const_reference = const T&;

    SharedVector() = default;
    SharedVector(std::vector<T> values) { adopt(std::move(values)); }
    SharedVector(std::initializer_list<T> values) : SharedVector(std::vector<T>(values)) {}
    SharedVector(size_type count, const T& value) : SharedVector(std::vector<T>(count, value)) {}
    template <class It>
    SharedVector(It first, It last) : SharedVector(std::vector<T>(first, last)) {}

    // Reading.
    const T* data() const { return values_ ? values_->data() : nullptr; }
    size_type size() const { return values_ ? values_->size() : 0; }
    bool empty() const { return size() == 0; }
    const T& operator[](size_type i) const { return (*values_)[i]; }
    const T& at(size_type i) const {
        if (i >= size())
            throw std::out_of_range("SharedVector: index out of range");
        return (*values_)[i];
    }
    const T& front() const { return values_->front(); }
    const T& back() const { return values_->back(); }
    const T* begin() const { return data(); }
    const T* end() const { return data() + size(); }
    const T* cbegin() const { return begin(); }
    const T* cend() const { return end(); }
    operator std::span<const T>() const { return {data(), size()}; }
    std::span<const T> span() const { return {data(), size()}; }
    // A std::vector copy of the values (for code that needs one).
    std::vector<T> to_vector() const { return values_ ? *values_ : std::vector<T>(); }

    // Writing. The vector is this object's alone afterwards: the values are copied first when
    // another SharedVector shares them. References into it stay valid until this object is
    // copied or written through another call.
    std::vector<T>& write() {
        if (!values_)
            values_ = std::make_shared<std::vector<T>>();
        else if (values_.use_count() != 1)
            values_ = std::make_shared<std::vector<T>>(*values_);
        else
            // The last other owner let go on another thread: see its writes before ours.
            std::atomic_thread_fence(std::memory_order_acquire);
        return *values_;
    }
    // Replacing every value never copies the old ones.
    void assign(size_type count, const T& value) { adopt(std::vector<T>(count, value)); }
    template <class It> void assign(It first, It last) { adopt(std::vector<T>(first, last)); }
    void assign(std::initializer_list<T> values) { adopt(std::vector<T>(values)); }
    void clear() { values_.reset(); }
    void resize(size_type count) { write().resize(count); }
    void resize(size_type count, const T& value) { write().resize(count, value); }
    void push_back(const T& value) { write().push_back(value); }
    void reserve(size_type count) { write().reserve(count); }

    // Whether both hold the very same values (not merely equal ones); false when both are empty.
    bool shares_storage_with(const SharedVector& other) const {
        return values_ && values_ == other.values_;
    }

    // Equal values; shared storage is equal without looking at the values.
    friend bool operator==(const SharedVector& a, const SharedVector& b) {
        if (a.values_ == b.values_)
            return true;
        if (a.size() != b.size())
            return false;
        for (size_type i = 0; i < a.size(); ++i)
            if (!(a[i] == b[i]))
                return false;
        return true;
    }
    friend bool operator==(const SharedVector& a, const std::vector<T>& b) {
        return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin());
    }

private:
    void adopt(std::vector<T>&& values) {
        if (values.empty())
            values_.reset();
        else
            values_ = std::make_shared<std::vector<T>>(std::move(values));
    }

    // Null when empty, so empty vectors allocate nothing and compare equal.
    std::shared_ptr<std::vector<T>> values_;
};

} // namespace convscope
