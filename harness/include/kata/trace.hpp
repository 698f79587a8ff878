#pragma once
/// A small timeline recorder that writes Chrome trace-event JSON (open the file in
/// https://ui.perfetto.dev or chrome://tracing).
///
/// Three kinds of event are kept:
///  - spans on one thread (a parse, a blocking fetch): "X" complete events on that thread's row;
///  - async spans (a fetch awaited by a coroutine): "b"/"e" pairs with an id, which Perfetto
///    draws on their own tracks because many of them overlap on the event-loop thread;
///  - counters (requests in flight, live pages): "C" events drawn as graphs.
/// Recording is thread-safe and cheap (one short lock per event); writing happens afterwards.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <ostream>
#include <string>
#include <vector>

namespace kata {

/// A small stable number for the calling thread (1, 2, 3, ... in order of first use).
inline int trace_thread_id() {
    static std::atomic<int> next{1};
    thread_local const int id = next.fetch_add(1);
    return id;
}

class Trace {
  public:
    using clock = std::chrono::steady_clock;

    Trace() : origin_(clock::now()) {}

    /// Microseconds since the trace was created.
    std::int64_t now_us() const {
        return std::chrono::duration_cast<std::chrono::microseconds>(clock::now() - origin_)
            .count();
    }

    /// A span on the calling thread.
    void span(std::string name, std::string category, std::int64_t start_us, std::int64_t end_us) {
        add(Event{'X', std::move(name), std::move(category), trace_thread_id(), start_us,
                  end_us - start_us, 0, 0});
    }

    /// An async span (it may overlap others on the same thread); `id` must be unique per span.
    void async_span(std::string name, std::string category, std::uint64_t id, std::int64_t start_us,
                    std::int64_t end_us, int thread) {
        add(Event{'b', name, category, thread, start_us, 0, id, 0});
        add(Event{'e', std::move(name), std::move(category), thread, end_us, 0, id, 0});
    }

    /// A counter sample (drawn as a graph named `name`).
    void counter(std::string name, std::int64_t at_us, std::int64_t value) {
        add(Event{'C', std::move(name), "", 0, at_us, 0, 0, value});
    }

    /// Names the calling thread's row (the first name given wins).
    void name_this_thread(const std::string& name) {
        const int tid = trace_thread_id();
        std::lock_guard lock(mutex_);
        thread_names_.emplace(tid, name);
    }

    std::size_t size() const {
        std::lock_guard lock(mutex_);
        return events_.size();
    }

    /// Writes {"traceEvents":[...]} with every event recorded so far.
    void write_json(std::ostream& out) const {
        std::lock_guard lock(mutex_);
        out << "{\"displayTimeUnit\":\"ms\",\"traceEvents\":[\n";
        bool first = true;
        auto sep = [&] {
            if (!first) out << ",\n";
            first = false;
        };
        for (const auto& [tid, name] : thread_names_) {
            sep();
            out << R"({"ph":"M","name":"thread_name","pid":1,"tid":)" << tid
                << R"(,"args":{"name":")" << escaped(name) << "\"}}";
        }
        for (const Event& e : events_) {
            sep();
            out << "{\"ph\":\"" << e.phase << "\",\"name\":\"" << escaped(e.name)
                << "\",\"pid\":1,\"tid\":" << e.thread << ",\"ts\":" << e.ts_us;
            if (!e.category.empty()) out << ",\"cat\":\"" << escaped(e.category) << '"';
            if (e.phase == 'X') out << ",\"dur\":" << e.dur_us;
            if (e.phase == 'b' || e.phase == 'e') out << ",\"id\":" << e.id;
            if (e.phase == 'C') out << ",\"args\":{\"value\":" << e.value << '}';
            out << '}';
        }
        out << "\n]}\n";
    }

  private:
    struct Event {
        char phase;
        std::string name;
        std::string category;
        int thread;
        std::int64_t ts_us;
        std::int64_t dur_us;
        std::uint64_t id;
        std::int64_t value;
    };

    static std::string escaped(const std::string& s) {
        std::string out;
        out.reserve(s.size());
        for (char c : s) {
            if (c == '"' || c == '\\') out.push_back('\\');
            if (static_cast<unsigned char>(c) < 0x20) continue;
            out.push_back(c);
        }
        return out;
    }

    void add(Event e) {
        std::lock_guard lock(mutex_);
        events_.push_back(std::move(e));
    }

    clock::time_point origin_;
    mutable std::mutex mutex_;
    std::vector<Event> events_;
    std::map<int, std::string> thread_names_;
};

}  // namespace kata
