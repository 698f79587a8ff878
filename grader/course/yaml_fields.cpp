#include "course/yaml_fields.hpp"

#include <fmt/format.h>

namespace interleave {

namespace {

std::string describe(const YAML::Node& n) {
    if (n.IsScalar()) return fmt::format("\"{}\"", n.Scalar());
    if (n.IsSequence()) return "a list";
    if (n.IsMap()) return "a map";
    return "nothing";
}

}  // namespace

YAML::Node load_yaml_file(const std::string& file) {
    try {
        return YAML::LoadFile(file);
    } catch (const YAML::BadFile&) {
        throw MetadataError(fmt::format("{}: cannot read the file", file));
    } catch (const YAML::ParserException& e) {
        throw MetadataError(fmt::format("{}:{}: invalid YAML: {}", file, e.mark.line + 1, e.msg));
    }
}

YamlFields::YamlFields(const YAML::Node& node, std::string file, std::string path)
    : node_(node), file_(std::move(file)), path_(std::move(path)) {
    if (!node_.IsMap()) {
        throw MetadataError(fmt::format("{}:{}: {}: expected a map of fields, got {}", file_,
                                        line_of(node_), path_.empty() ? "(top level)" : path_,
                                        describe(node_)));
    }
}

int YamlFields::line_of(const YAML::Node& n) const {
    const int line = n.Mark().line;
    return line >= 0 ? line + 1 : 1;
}

std::string YamlFields::field(const std::string& key) const {
    return path_.empty() ? key : path_ + "." + key;
}

void YamlFields::fail(const std::string& key, const std::string& problem) const {
    const YAML::Node n = node_[key];
    const int line = (n && n.IsDefined()) ? line_of(n) : line_of(node_);
    throw MetadataError(fmt::format("{}:{}: {}: {}", file_, line, field(key), problem));
}

YAML::Node YamlFields::get(const std::string& key) const {
    seen_.insert(key);
    const YAML::Node n = node_[key];
    if (!n || n.IsNull()) fail(key, "required field is missing");
    return n;
}

bool YamlFields::has(const std::string& key) const {
    const YAML::Node n = node_[key];
    return n && !n.IsNull();
}

std::string YamlFields::str(const std::string& key) const {
    const YAML::Node n = get(key);
    if (!n.IsScalar()) fail(key, "expected a string, got " + describe(n));
    return n.Scalar();
}

std::string YamlFields::str_or(const std::string& key, const std::string& fallback) const {
    seen_.insert(key);
    return has(key) ? str(key) : fallback;
}

int YamlFields::integer(const std::string& key) const {
    const YAML::Node n = get(key);
    try {
        if (!n.IsScalar()) throw YAML::BadConversion(n.Mark());
        return n.as<int>();
    } catch (const YAML::BadConversion&) {
        fail(key, "expected an integer, got " + describe(n));
    }
}

int YamlFields::integer_or(const std::string& key, int fallback) const {
    seen_.insert(key);
    return has(key) ? integer(key) : fallback;
}

double YamlFields::number(const std::string& key) const {
    const YAML::Node n = get(key);
    try {
        if (!n.IsScalar()) throw YAML::BadConversion(n.Mark());
        return n.as<double>();
    } catch (const YAML::BadConversion&) {
        fail(key, "expected a number, got " + describe(n));
    }
}

double YamlFields::number_or(const std::string& key, double fallback) const {
    seen_.insert(key);
    return has(key) ? number(key) : fallback;
}

bool YamlFields::boolean_or(const std::string& key, bool fallback) const {
    seen_.insert(key);
    if (!has(key)) return fallback;
    const YAML::Node n = get(key);
    if (n.IsScalar() && (n.Scalar() == "true" || n.Scalar() == "false"))
        return n.Scalar() == "true";
    fail(key, "expected true or false, got " + describe(n));
}

std::vector<std::string> YamlFields::strings(const std::string& key) const {
    const YAML::Node n = get(key);
    if (!n.IsSequence()) fail(key, "expected a list of strings, got " + describe(n));
    std::vector<std::string> out;
    for (const auto& item : n) {
        if (!item.IsScalar()) fail(key, "expected a list of strings, found " + describe(item));
        out.push_back(item.Scalar());
    }
    return out;
}

std::vector<std::string> YamlFields::strings_or(const std::string& key) const {
    seen_.insert(key);
    return has(key) ? strings(key) : std::vector<std::string>{};
}

YamlFields YamlFields::map(const std::string& key) const {
    return YamlFields(get(key), file_, field(key));
}

std::vector<YamlFields> YamlFields::maps(const std::string& key) const {
    const YAML::Node n = get(key);
    if (!n.IsSequence()) fail(key, "expected a list, got " + describe(n));
    std::vector<YamlFields> out;
    std::size_t i = 0;
    for (const auto& item : n) {
        out.emplace_back(item, file_, fmt::format("{}[{}]", field(key), i++));
    }
    return out;
}

std::vector<YamlFields> YamlFields::maps_or(const std::string& key) const {
    seen_.insert(key);
    return has(key) ? maps(key) : std::vector<YamlFields>{};
}

void YamlFields::reject_unknown() const {
    for (const auto& kv : node_) {
        const auto key = kv.first.Scalar();
        if (seen_.count(key) == 0) {
            throw MetadataError(fmt::format("{}:{}: {}: unknown field (see docs/exercise-yaml.md)",
                                            file_, line_of(kv.first), field(key)));
        }
    }
}

}  // namespace interleave
