#pragma once
/// Strict reading of YAML maps: every field is looked up by name, typed, and any field the
/// schema does not know is reported with its line. Errors read "FILE:LINE: FIELD: problem".

#include "course/course.hpp"

#include <yaml-cpp/yaml.h>

#include <set>
#include <string>
#include <vector>

namespace interleave {

class YamlFields {
  public:
    /// `path` is the field path of this map ("checks.timing"), empty at the top.
    YamlFields(const YAML::Node& node, std::string file, std::string path);

    bool has(const std::string& key) const;
    std::string str(const std::string& key) const;
    std::string str_or(const std::string& key, const std::string& fallback) const;
    int integer(const std::string& key) const;
    int integer_or(const std::string& key, int fallback) const;
    double number(const std::string& key) const;
    double number_or(const std::string& key, double fallback) const;
    /// `true` or `false` (YAML's other spellings of a boolean are refused: one way to write it).
    bool boolean_or(const std::string& key, bool fallback) const;
    std::vector<std::string> strings(const std::string& key) const;
    std::vector<std::string> strings_or(const std::string& key) const;
    YamlFields map(const std::string& key) const;
    std::vector<YamlFields> maps(const std::string& key) const;
    /// maps(key), or no maps when the field is absent.
    std::vector<YamlFields> maps_or(const std::string& key) const;

    /// Throws for any key that was never asked about.
    void reject_unknown() const;

    [[noreturn]] void fail(const std::string& key, const std::string& problem) const;
    const std::string& file() const { return file_; }

  private:
    YAML::Node get(const std::string& key) const;
    std::string field(const std::string& key) const;
    int line_of(const YAML::Node& n) const;

    YAML::Node node_;
    std::string file_;
    std::string path_;
    mutable std::set<std::string> seen_;
};

/// Parses a file into a node; syntax errors become MetadataError with the file and line.
YAML::Node load_yaml_file(const std::string& file);

}  // namespace interleave
