#pragma once
// Kata 06 harness: the folder of files that process_files() works through, written by the
// harness into its scratch folder (TMPDIR) and removed afterwards. Shared by the tests and the
// benchmark; it does not include the student's header.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

namespace pool_files {

/// What the harness put at one path of the folder.
enum class Kind {
    data,     ///< a regular file: fn returns its checksum
    missing,  ///< listed, never created: reading it fails (FileReadError)
    folder,   ///< a directory with a file's name: reading it fails (FileReadError)
    bad,      ///< a regular file whose contents make fn throw BadRecord
};

/// The first bytes of a file that fn refuses.
inline constexpr const char* kBadMarker = "BAD!";

/// What fn throws for a file that starts with kBadMarker.
struct BadRecord : std::runtime_error {
    explicit BadRecord(const std::filesystem::path& path)
        : std::runtime_error("bad record in " + path.string()), path(path) {}
    std::filesystem::path path;
};

/// FNV-1a over `text`, `passes` times (more passes, more CPU per byte; the benchmark's work).
inline std::uint64_t checksum(const std::string& text, int passes = 1) {
    std::uint64_t h = 1469598103934665603ull;
    for (int p = 0; p < passes; ++p) {
        for (const char c : text) {
            h ^= static_cast<unsigned char>(c);
            h *= 1099511628211ull;
        }
        h ^= static_cast<std::uint64_t>(p);
    }
    return h ^ text.size();
}

/// A folder of generated files; removed when the object is destroyed.
class Folder {
  public:
    /// `count` entries named NNN-*.dat with sizes between `min_size` and `max_size` bytes
    /// (random, from `seed`). With `problems`, entries 3 and 11 are missing, entry 7 is a
    /// directory and entry 5 is refused by fn (count must then be at least 12). With `shuffled`,
    /// the numbers NNN are a seeded shuffle of the entries (entry 0 is never named 000), so the
    /// input order differs from the order of the names: a result list sorted by name is caught.
    Folder(std::uint64_t seed, int count, std::size_t min_size, std::size_t max_size, bool problems,
           bool shuffled = false) {
        static std::atomic<int> serial{0};
        std::error_code ec;
        std::filesystem::path base = std::filesystem::temp_directory_path(ec);
        if (ec) base = std::filesystem::current_path();
        dir_ = base / ("thread-pool-files-" + std::to_string(::getpid()) + "-" +
                       std::to_string(serial.fetch_add(1)));
        std::filesystem::remove_all(dir_, ec);
        std::filesystem::create_directories(dir_);
        std::mt19937_64 rng(seed);
        std::uniform_int_distribution<std::size_t> size(min_size, max_size);
        std::uniform_int_distribution<int> byte(0, 255);
        std::vector<int> label(static_cast<std::size_t>(count));
        for (int i = 0; i < count; ++i) label[static_cast<std::size_t>(i)] = i;
        if (shuffled && count > 1) {
            std::mt19937_64 order(seed ^ 0x5eed5eedull);
            std::shuffle(label.begin(), label.end(), order);
            if (label[0] == 0) std::swap(label[0], label[1]);
        }
        for (int i = 0; i < count; ++i) {
            Kind kind = Kind::data;
            if (problems && (i == 3 || i == 11)) kind = Kind::missing;
            if (problems && i == 7) kind = Kind::folder;
            if (problems && i == 5) kind = Kind::bad;
            char name[32];
            std::snprintf(name, sizeof name, "%03d-%s.dat", label[static_cast<std::size_t>(i)],
                          kind == Kind::data      ? "data"
                          : kind == Kind::missing ? "missing"
                          : kind == Kind::folder  ? "folder"
                                                  : "bad");
            const std::filesystem::path path = dir_ / name;
            std::string contents;
            if (kind == Kind::data || kind == Kind::bad) {
                contents.resize(size(rng));
                for (auto& c : contents) c = static_cast<char>(byte(rng));
                if (kind == Kind::bad) {
                    contents = std::string(kBadMarker) + contents;
                } else if (contents.compare(0, 4, kBadMarker) == 0) {
                    contents[0] = 'b';
                }
                std::ofstream out(path, std::ios::binary);
                out.write(contents.data(), static_cast<std::streamsize>(contents.size()));
                if (!out) throw std::runtime_error("cannot write " + path.string());
            } else if (kind == Kind::folder) {
                std::filesystem::create_directory(path);
            }
            paths_.push_back(path);
            kinds_.push_back(kind);
            contents_.push_back(std::move(contents));
        }
    }
    ~Folder() {
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }
    Folder(const Folder&) = delete;
    Folder& operator=(const Folder&) = delete;

    const std::vector<std::filesystem::path>& paths() const { return paths_; }
    Kind kind(std::size_t i) const { return kinds_[i]; }
    /// What the harness wrote at entry i (empty for missing entries and directories).
    const std::string& contents(std::size_t i) const { return contents_[i]; }
    std::size_t size() const { return paths_.size(); }

  private:
    std::filesystem::path dir_;
    std::vector<std::filesystem::path> paths_;
    std::vector<Kind> kinds_;
    std::vector<std::string> contents_;
};

}  // namespace pool_files
