// libFuzzer entry point: arbitrary bytes as an OZmap response body, through the JSON
// limits and every typed parser. Only ozmap::error may escape the parsers; anything
// else (a crash, a leak, UB, another exception) is a finding.
//
// Not part of the CMake build (GCC has no libFuzzer). With clang:
//   clang++ -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -Icpp/include
//     -DOZMAP_FUZZ_BUILD_JSON tests/cpp/fuzz/fuzz_api_json.cpp
//     cpp/src/api/models.cpp cpp/src/error.cpp -o fuzz_api_json
// (one command line).
//   ./fuzz_api_json -max_total_time=60 tests/fixtures/ozmap-sdk-examples
// With -DOZMAP_FUZZ_STANDALONE any compiler builds a driver that replays files given
// on the command line.
#include <ozmap/api/models.hpp>
#include <ozmap/error.hpp>

#include <boost/json.hpp>
#ifdef OZMAP_FUZZ_BUILD_JSON
// Boost.JSON's compiled part, normally built once in cpp/src/boost_sources.cpp.
#include <boost/json/src.hpp>
#endif

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace {

template <typename F>
void tolerate(F&& f) {
    try {
        f();
    } catch (const ozmap::error&) {
    }
}

void parse_all(const boost::json::value& v) {
    using namespace ozmap::api;
    tolerate([&] { (void)parse_box(v, "rows[0]"); });
    tolerate([&] { (void)parse_splitter(v); });
    tolerate([&] { (void)parse_property(v); });
    tolerate([&] { (void)parse_project(v); });
    tolerate([&] { (void)parse_ftth_client(v); });
    tolerate([&] { (void)parse_cable(v); });
    tolerate([&] { (void)parse_fiber(v); });
    tolerate([&] { (void)parse_olt(v); });
    tolerate([&] { (void)parse_slot(v); });
    tolerate([&] { (void)parse_pon(v); });
    tolerate([&] { (void)parse_feasibility(v); });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    boost::json::value doc;
    try {
        doc = ozmap::api::parse_json(text);
    } catch (const ozmap::error&) {
        return 0;
    }
    parse_all(doc);
    if (const auto* o = doc.if_object())
        if (const auto* rows = o->if_contains("rows"); rows && rows->is_array())
            for (const auto& row : rows->get_array())
                parse_all(row);
    if (const auto* a = doc.if_array())
        for (const auto& row : *a)
            parse_all(row);
    return 0;
}

#ifdef OZMAP_FUZZ_STANDALONE
#include <fstream>
#include <iterator>
#include <string>

int main(int argc, char** argv) {
    for (int i = 1; i < argc; ++i) {
        std::ifstream in(argv[i], std::ios::binary);
        const std::string bytes((std::istreambuf_iterator<char>(in)),
                                std::istreambuf_iterator<char>());
        LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(bytes.data()),
                               bytes.size());
    }
    return 0;
}
#endif
