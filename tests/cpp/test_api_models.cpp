// Decoding OZmap documents: every published fixture, then hostile and malformed JSON.
#include <ozmap/api/models.hpp>
#include <ozmap/error.hpp>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace {

using namespace ozmap;
using namespace ozmap::api;
namespace json = boost::json;

std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

std::string fixture(std::string_view name) {
    return read_file(std::filesystem::path(OZMAP_FIXTURES_DIR) / name);
}

// The rows of a list envelope, or the document itself.
std::vector<json::value> documents_of(const json::value& doc) {
    if (const auto* o = doc.if_object())
        if (const auto* rows = o->if_contains("rows"))
            if (const auto* a = rows->if_array())
                return {a->begin(), a->end()};
    return {doc};
}

template <typename F>
error decode_error(F&& f) {
    try {
        f();
    } catch (const error& e) {
        EXPECT_EQ(e.kind(), error_kind::decode) << e.what();
        return e;
    }
    ADD_FAILURE() << "no decode error was thrown";
    return error(error_kind::ambiguous, "none");
}

std::string field_of(std::string_view text, auto parse) {
    return decode_error([&] { parse(parse_json(text), std::string_view{}); }).field();
}

// ---------------------------------------------------------------------------- fixtures

TEST(ApiFixtures, EveryBoxSplitterPropertyAndProjectFileParses) {
    std::size_t files = 0;
    std::size_t documents = 0;
    for (const auto& entry : std::filesystem::directory_iterator(
             std::filesystem::path(OZMAP_FIXTURES_DIR))) {
        const auto name = entry.path().filename().string();
        if (entry.path().extension() != ".json")
            continue;
        const auto kind = name.substr(0, name.find('-'));
        if (kind != "box" && kind != "splitter" && kind != "property" &&
            kind != "project")
            continue;  // poles, prospects, box types: not parsed by the connector
        SCOPED_TRACE(name);
        ++files;
        const auto doc = parse_json(read_file(entry.path()));
        for (const auto& d : documents_of(doc)) {
            ++documents;
            if (kind == "box")
                EXPECT_NO_THROW(parse_box(d));
            else if (kind == "splitter")
                EXPECT_NO_THROW(parse_splitter(d));
            else if (kind == "property")
                EXPECT_NO_THROW(parse_property(d));
            else
                EXPECT_NO_THROW(parse_project(d));
        }
    }
    EXPECT_EQ(files, 6u);
    EXPECT_EQ(documents, 1u + 1u + 3u + 1u + 3u + 2u);
}

TEST(ApiFixtures, OtherKindsAreNotErrorsJustIgnored) {
    // A prospect is not a box: it has no name requirement problem, it is simply not
    // read by the connector. Parsing it as JSON must still work.
    for (const auto* name : {"pole-1.json", "prospect-1.json", "boxtype-1.json"})
        EXPECT_NO_THROW(parse_json(fixture(name))) << name;
}

TEST(ApiFixtures, Box) {
    const auto b = parse_box(parse_json(fixture("box-1.json")));
    EXPECT_EQ(b.id, "63614ffe5f40a200200b9db7");
    EXPECT_EQ(b.name, "teste");
    EXPECT_EQ(b.kind, "Box");
    EXPECT_DOUBLE_EQ(b.position.lat, -27.586604372247944);
    EXPECT_DOUBLE_EQ(b.position.lng, -48.527442812919624);
    EXPECT_EQ(b.project, "5d9f3ff9200141000647f814");
    EXPECT_EQ(b.pole, "63614ffe5f40a200200b9db8");
    EXPECT_EQ(b.box_type, "589ddcf07dfe452f10d7c274");
    EXPECT_EQ(b.hierarchy_level, 2);
    EXPECT_FALSE(b.implanted);
    EXPECT_FALSE(b.draft);

    const auto listed = parse_json(fixture("box-2.json"));
    const auto b2 = parse_box(documents_of(listed).at(0));
    EXPECT_EQ(b2.name, "POP - 1");
    EXPECT_FALSE(b2.box_type);  // null in the document
    EXPECT_TRUE(b2.implanted);
}

TEST(ApiFixtures, Splitter) {
    const auto rows = documents_of(parse_json(fixture("splitter-1.json")));
    ASSERT_EQ(rows.size(), 3u);
    const auto s = parse_splitter(rows[0]);
    EXPECT_EQ(s.id, "5da61e13493d9c0006665477");
    EXPECT_EQ(s.name, "Splitter 1");
    EXPECT_EQ(s.parent, "5da61e13493d9c0006665474");
    EXPECT_TRUE(s.is_drop);
    EXPECT_TRUE(s.implanted);
    ASSERT_EQ(s.outputs.size(), 8u);
    for (std::size_t i = 0; i < 7; ++i)
        EXPECT_FALSE(s.outputs[i]) << i;
    EXPECT_EQ(s.outputs[7], "5da61e4a493d9c00066654ee");
    ASSERT_EQ(s.inputs.size(), 1u);
    ASSERT_EQ(s.ports.size(), 8u);
    EXPECT_FALSE(s.ports[0].index);  // real responses carry no index
    EXPECT_FALSE(s.ports[0].blocked);
    EXPECT_EQ(s.ports[0].id, "6630fd91a7b91a369286c4cc");
    EXPECT_FALSE(s.olt);

    const auto s2 = parse_splitter(rows[1]);
    EXPECT_EQ(s2.outputs[0], "5da6233a493d9c00066655e5");
    EXPECT_FALSE(s2.outputs[1]);
}

TEST(ApiFixtures, Properties) {
    const auto p1 = parse_property(parse_json(fixture("property-1.json")));
    EXPECT_EQ(p1.id, "6390ba3be0e3780014620fde");
    EXPECT_EQ(p1.client_id, "6390ba3be0e3780014620fdb");
    EXPECT_FALSE(p1.client);  // an id string, not embedded
    EXPECT_FALSE(p1.drop);
    EXPECT_FALSE(p1.box);
    ASSERT_TRUE(p1.position);
    EXPECT_DOUBLE_EQ(p1.position->lat, -27.59561149230905);
    EXPECT_TRUE(p1.connections.empty());
    EXPECT_EQ(p1.address, "Rua das Orquideas, 258");

    const auto rows = documents_of(parse_json(fixture("property-2.json")));
    ASSERT_EQ(rows.size(), 3u);
    const auto p2 = parse_property(rows[0]);
    EXPECT_FALSE(p2.client_id);  // null
    EXPECT_EQ(p2.box, "5da62201493d9c00066655b8");
    EXPECT_EQ(p2.drop, "5da622d3493d9c00066655da");
    ASSERT_EQ(p2.connections.size(), 1u);
    EXPECT_EQ(p2.connections[0].id, "5da6220df003e8132800001e");
    EXPECT_EQ(p2.connections[0].port, 1);
    EXPECT_EQ(p2.connections[0].kind, "Splitter");
    EXPECT_EQ(p2.connections[0].fiber, "5da622d3493d9c00066655db");

    const auto p3 = parse_property(rows[2]);
    ASSERT_TRUE(p3.client);  // embedded
    EXPECT_EQ(p3.client->code, "4680");
    EXPECT_TRUE(p3.client->implanted);
    EXPECT_EQ(p3.client->status, 0);
    ASSERT_TRUE(p3.client->onu);
    EXPECT_EQ(p3.client->onu->serial_number, "");
    EXPECT_EQ(p3.client_id, "5da62434493d9c00066655ff");
    EXPECT_EQ(p3.parent, "5da62357493d9c00066655f1");  // a plain id here
    // lat/lng are null and coords absent: a property inside a building.
    EXPECT_FALSE(p3.position);
}

TEST(ApiFixtures, Projects) {
    const auto rows = documents_of(parse_json(fixture("project-1.json")));
    ASSERT_EQ(rows.size(), 2u);
    const auto p = parse_project(rows[0]);
    EXPECT_EQ(p.id, "5d9f3ff9200141000647f814");
    EXPECT_EQ(p.name, "Exemplo");
    EXPECT_EQ(p.drop_max_size_m, 200.0);
    EXPECT_EQ(p.drop_cable_type, "5d83b2fcd846ae365237b3a1");
    ASSERT_TRUE(p.position);
    EXPECT_DOUBLE_EQ(p.position->lng, -48.52703645825386);
    EXPECT_EQ(parse_project(rows[1]).name, "Filho do Exemplo");
}

// ---------------------------------------------------------------------------- other
// kinds

TEST(ApiModels, ClientCableFiberOltSlotPon) {
    const auto c = parse_ftth_client(parse_json(
        R"({"id":"c1","code":"123|123","name":"Ana","implanted":false,"status":1,
            "onu":{"user_PPPoE":"u","serial_number":"S","mac_address":"M"},
            "cpe":{}})"));
    EXPECT_EQ(c.code, "123|123");
    EXPECT_EQ(c.status, 1);
    EXPECT_EQ(c.onu->mac_address, "M");

    const auto cab = parse_cable(parse_json(
        R"({"id":"d1","kind":"Drop","boxA":"b1","boxB":{"id":"p1","kind":"Property"},
            "fiberNumber":1,"length":42.5,"poles":[{"id":"x","reserve":0}]})"));
    EXPECT_EQ(cab.kind, "Drop");
    EXPECT_EQ(cab.box_a, "b1");
    EXPECT_EQ(cab.box_b, "p1");
    EXPECT_EQ(cab.length_m, 42.5);

    const auto f = parse_fiber(parse_json(
        R"({"id":"f1","parent":"d1","connectors":["s1",null],"isDrop":true})"));
    EXPECT_EQ(f.parent, "d1");
    EXPECT_EQ(f.connectors, std::vector<std::string>{"s1"});

    const auto o = parse_olt(parse_json(
        R"({"id":"o1","name":"OLT 1","ip":"10.0.0.1","user":"admin","password":"pw",
            "snmp":{"community":"public"}})"));
    EXPECT_EQ(o.name, "OLT 1");
    EXPECT_EQ(o.ip, "10.0.0.1");

    const auto s = parse_slot(parse_json(R"({"id":"sl1","starting_pon_number":1})"));
    EXPECT_EQ(s.starting_pon_number, 1);
    EXPECT_EQ(s.name, "");

    const auto p =
        parse_pon(parse_json(R"({"_id":"pn1","name":"PON 3","potency":3.5})"));
    EXPECT_EQ(p.id, "pn1");  // only _id
    EXPECT_EQ(p.potency, 3.5);
}

TEST(ApiModels, SplitterVariants) {
    const auto s = parse_splitter(parse_json(
        R"({"id":"s1","name":"Splitter 2","parent":{"id":"b1"},"isDrop":true,
            "connectables":{"output":[null,"f2",null]},
            "ports":[{"index":1,"blocked":true},{"blocked":false}],
            "olt":"o1","slot":{"id":"sl1"},"pon":null})"));
    EXPECT_EQ(s.parent, "b1");
    EXPECT_TRUE(s.inputs.empty());
    ASSERT_EQ(s.ports.size(), 2u);
    EXPECT_EQ(s.ports[0].index, 1);
    EXPECT_TRUE(s.ports[0].blocked);
    EXPECT_EQ(s.olt, "o1");
    EXPECT_EQ(s.slot, "sl1");
    EXPECT_FALSE(s.pon);

    const auto no_ports = parse_splitter(parse_json(
        R"({"id":"s1","name":"S","parent":"b1","connectables":{"output":[]}})"));
    EXPECT_TRUE(no_ports.ports.empty());
    EXPECT_FALSE(no_ports.is_drop);  // the SDK default
}

TEST(ApiModels, PropertyClientShapes) {
    auto client_of = [](std::string_view client) {
        return parse_property(parse_json(std::string(R"({"id":"p1","client":)") +
                                         std::string(client) + "}"));
    };
    EXPECT_EQ(client_of(R"("c1")").client_id, "c1");
    EXPECT_FALSE(client_of("null").client_id);
    const auto embedded = client_of(R"({"id":"c2","code":"X","kind":"ftth"})");
    EXPECT_EQ(embedded.client_id, "c2");
    EXPECT_EQ(embedded.client->code, "X");

    EXPECT_EQ(field_of(R"({"id":"p1","client":42})", parse_property), "client");
    EXPECT_EQ(field_of(R"({"id":"p1","client":{"id":"c2"}})", parse_property),
              "client.code");
    EXPECT_EQ(
        field_of(R"({"id":"p1","connections":[{"id":"s","port":0}]})", parse_property),
        "connections[0].port");
    EXPECT_EQ(field_of(R"({"id":"p1","connections":[{"id":"s","port":1.5}]})",
                       parse_property),
              "connections[0].port");
    EXPECT_EQ(field_of(R"({"id":"p1","connections":[{"port":1}]})", parse_property),
              "connections[0].id");
}

TEST(ApiModels, Feasibility) {
    const auto f = parse_feasibility(parse_json(R"({
        "viable": true,
        "boxes": [{"distance": 12.5, "name": "CTO 1", "id": "b1", "project": "p",
                   "lat": -27.5, "lng": -48.5, "implanted": true, "availability": 7,
                   "horizontal_condos": []}],
        "refused_boxes": [{"id": "b2", "name": "CTO 2", "distance": 80,
                           "reason": "full"},
                          42, {"name": "no id"}],
        "properties": [{"id": "x", "address": "Rua"}]})"));
    EXPECT_TRUE(f.viable);
    ASSERT_EQ(f.boxes.size(), 1u);
    EXPECT_EQ(f.boxes[0].availability, 7);
    EXPECT_EQ(f.boxes[0].distance_m, 12.5);
    ASSERT_EQ(f.refused.size(), 1u);
    EXPECT_EQ(f.refused[0].reason, "full");
    EXPECT_EQ(f.refused_skipped, 2u);

    for (const auto* refused :
         {"", R"(,"refused_boxes":null)", R"(,"refused_boxes":{})",
          R"(,"refused_boxes":"none")", R"(,"refused_boxes":[[]])"}) {
        SCOPED_TRACE(refused);
        const auto g = parse_feasibility(
            parse_json(std::string(R"({"viable":false,"boxes":[])") + refused + "}"));
        EXPECT_FALSE(g.viable);
        EXPECT_TRUE(g.refused.empty());
    }

    EXPECT_EQ(field_of(R"({"boxes":[]})", parse_feasibility), "viable");
    EXPECT_EQ(field_of(R"({"viable":"yes","boxes":[]})", parse_feasibility), "viable");
    EXPECT_EQ(field_of(R"({"viable":true})", parse_feasibility), "boxes");
    EXPECT_EQ(field_of(R"({"viable":true,"boxes":[{"id":"b","name":"n"}]})",
                       parse_feasibility),
              "boxes[0].lat");
    EXPECT_EQ(field_of(R"({"viable":true,"boxes":[{"id":"b","name":"n","lat":1,"lng":2,
                         "availability":"7"}]})",
                       parse_feasibility),
              "boxes[0].availability");
}

// ---------------------------------------------------------------------------- wrong
// shapes

TEST(ApiModels, MissingAndMistypedFieldsNameThePath) {
    EXPECT_EQ(field_of(R"({"name":"b","lat":1,"lng":2})", parse_box), "id");
    EXPECT_EQ(field_of(R"({"id":"","name":"b","lat":1,"lng":2})", parse_box), "id");
    EXPECT_EQ(field_of(R"({"id":7,"name":"b","lat":1,"lng":2})", parse_box), "id");
    EXPECT_EQ(field_of(R"({"id":"b","name":7,"lat":1,"lng":2})", parse_box), "name");
    EXPECT_EQ(field_of(R"({"id":"b","name":"n"})", parse_box), "lat");
    EXPECT_EQ(field_of(R"({"id":"b","name":"n","lat":"1","lng":2})", parse_box), "lat");
    EXPECT_EQ(field_of(R"({"id":"b","name":"n","coords":"x"})", parse_box), "coords");
    EXPECT_EQ(field_of(R"({"id":"b","name":"n","coords":[1]})", parse_box), "coords");
    EXPECT_EQ(field_of(R"({"id":"b","name":"n","coords":[1,"2"]})", parse_box),
              "coords[1]");
    EXPECT_EQ(field_of(R"({"id":"b","name":"n","lat":1,"lng":2,"implanted":"yes"})",
                       parse_box),
              "implanted");
    EXPECT_EQ(
        field_of(R"({"id":"b","name":"n","lat":1,"lng":2,"project":5})", parse_box),
        "project");
    EXPECT_EQ(
        field_of(R"({"id":"b","name":"n","lat":1,"lng":2,"project":{"name":"x"}})",
                 parse_box),
        "project.id");
    EXPECT_EQ(field_of(R"([1,2])", parse_box), "");

    const std::string splitter_head = R"({"id":"s","name":"S","parent":"b",)";
    EXPECT_EQ(field_of(splitter_head + R"("ports":[]})", parse_splitter),
              "connectables");
    EXPECT_EQ(field_of(splitter_head + R"("connectables":[]})", parse_splitter),
              "connectables");
    EXPECT_EQ(
        field_of(splitter_head + R"("connectables":{"input":[]}})", parse_splitter),
        "connectables.output");
    EXPECT_EQ(field_of(splitter_head + R"("connectables":{"output":[null,"f",3]}})",
                       parse_splitter),
              "connectables.output[2]");
    EXPECT_EQ(field_of(splitter_head + R"("connectables":{"output":[]},"ports":{}})",
                       parse_splitter),
              "ports");
    EXPECT_EQ(
        field_of(splitter_head +
                     R"("connectables":{"output":[]},"ports":[{},{"blocked":1}]})",
                 parse_splitter),
        "ports[1].blocked");
    EXPECT_EQ(field_of(R"({"id":"s","name":"S","connectables":{"output":[]}})",
                       parse_splitter),
              "parent");
    EXPECT_EQ(field_of(R"({"id":"c"})", parse_ftth_client), "code");
}

TEST(ApiModels, WherePrefixesThePath) {
    const auto v = parse_json(R"({"id":"s","name":"S","parent":"b",
                                  "connectables":{"output":[null,null,false]}})");
    const auto e = decode_error([&] { parse_splitter(v, "rows[3]"); });
    EXPECT_EQ(e.field(), "rows[3].connectables.output[2]");
    EXPECT_NE(std::string(e.what()).find("rows[3].connectables.output[2]"),
              std::string::npos);
}

// ---------------------------------------------------------------------------- hostile
// JSON

TEST(ApiJson, InvalidTruncatedEmpty) {
    for (const std::string& text :
         std::vector<std::string>{"",
                                  "   ",
                                  "\n",
                                  "{",
                                  "[1,2",
                                  R"({"a":})",
                                  R"({"a":1,})",
                                  "[1,]",
                                  "nul",
                                  "NaN",
                                  "Infinity",
                                  "-",
                                  "01",
                                  "1.",
                                  ".5",
                                  "'a'",
                                  R"({a:1})",
                                  "/* c */ {}",
                                  "{} {}",
                                  R"({"a":"b)",
                                  "\"\\x\"",
                                  std::string("{\"a\":\"\0\"}", 8),
                                  "\xef\xbb\xbf{}"}) {
        SCOPED_TRACE(text);
        decode_error([&] { parse_json(text); });
    }
}

TEST(ApiJson, NestingLimit) {
    auto nested = [](std::size_t depth) {
        return std::string(depth, '[') + std::string(depth, ']');
    };
    EXPECT_NO_THROW(parse_json(nested(32)));
    decode_error([&] { parse_json(nested(33)); });
    decode_error([&] { parse_json(nested(100000)); });  // no stack overflow

    json_limits tight;
    tight.max_depth = 3;
    EXPECT_NO_THROW(parse_json("[[[]]]", tight));
    decode_error([&] { parse_json("[[[[]]]]", tight); });
    decode_error([&] { parse_json(R"({"a":{"b":{"c":{}}}})", tight); });
}

TEST(ApiJson, SizeLimit) {
    json_limits small;
    small.max_bytes = 16;
    EXPECT_NO_THROW(parse_json("[1,2,3]", small));
    decode_error([&] { parse_json(R"(["0123456789abcdef"])", small); });
}

TEST(ApiJson, HugeNumbers) {
    // 1e400 overflows a double: refused wherever it appears.
    EXPECT_EQ(decode_error([] { parse_json("1e400"); }).field(), "");
    EXPECT_EQ(decode_error([] { parse_json(R"({"rows":[{"lat":1e400}]})"); }).field(),
              "rows[0].lat");
    decode_error([] { parse_json("[-1e400]"); });
    EXPECT_NO_THROW(parse_json("1e-400"));  // underflows to zero: harmless

    // 2^64 does not fit an integer: it becomes a double, refused where an integer is
    // expected, accepted where any number is.
    const std::string head =
        R"({"id":"b","name":"n","lat":1,"lng":2,"hierarchyLevel":)";
    EXPECT_EQ(field_of(head + "18446744073709551616}", parse_box), "hierarchyLevel");
    EXPECT_EQ(field_of(head + "18446744073709551615}", parse_box), "hierarchyLevel");
    EXPECT_EQ(field_of(head + "9223372036854775808}", parse_box), "hierarchyLevel");
    EXPECT_EQ(field_of(head + "1e300}", parse_box), "hierarchyLevel");
    EXPECT_EQ(parse_box(parse_json(head + "9223372036854775807}")).hierarchy_level,
              9223372036854775807);
    EXPECT_EQ(parse_box(parse_json(head + "-9223372036854775808}")).hierarchy_level,
              std::numeric_limits<std::int64_t>::min());
    EXPECT_EQ(parse_box(parse_json(head + "3.0}")).hierarchy_level, 3);
    EXPECT_EQ(parse_box(parse_json(head + "-0}")).hierarchy_level, 0);

    const auto p = parse_property(parse_json(
        R"({"id":"p","potencyRead":18446744073709551616,"lat":-0.0,"lng":0})"));
    EXPECT_DOUBLE_EQ(*p.potency_read, 18446744073709551616.0);
}

TEST(ApiJson, Utf16SurrogatesAndUtf8) {
    decode_error([] { parse_json(R"(["\ud800"])"); });
    decode_error([] { parse_json(R"(["\udc00"])"); });
    decode_error([] { parse_json(R"(["\ud800\u0041"])"); });
    decode_error([] { parse_json(R"(["\ud800x"])"); });
    decode_error([] { parse_json("[\"\xff\"]"); });
    decode_error([] { parse_json("[\"\xc3\"]"); });
    decode_error([] { parse_json("[\"\xed\xa0\x80\"]"); });  // an encoded surrogate
    const auto pair = parse_json(R"(["\ud83d\ude00"])");
    EXPECT_EQ(pair.as_array()[0].as_string(), "\xf0\x9f\x98\x80");
}

TEST(ApiJson, NulInStringsIsKept) {
    const auto c = parse_ftth_client(parse_json(R"({"id":"c","code":"a\u0000b"})"));
    EXPECT_EQ(c.code, std::string("a\0b", 3));
}

TEST(ApiJson, DuplicateKeysLastWins) {
    // Documented behaviour of Boost.JSON's parser, relied upon here.
    const auto b = parse_box(parse_json(
        R"({"id":"first","id":"second","name":"n","lat":1,"lng":2,"lat":3})"));
    EXPECT_EQ(b.id, "second");
    EXPECT_EQ(b.position.lat, 3.0);
}

TEST(ApiJson, UnknownFieldsAreIgnored) {
    const auto b = parse_box(parse_json(
        R"({"id":"b","name":"n","lat":1,"lng":2,"future":{"deep":[1,{"x":null}]},
            "history":[],"__v":3})"));
    EXPECT_EQ(b.id, "b");
}

// Random byte mutations of real documents: whatever happens, only ozmap::error (or
// success) may come out, never a crash (run under ASan/UBSan as well).
TEST(ApiJson, MutatedFixturesNeverCrash) {
    std::mt19937 rng(20240601);
    const std::vector<std::string> seeds = {
        fixture("box-1.json"), fixture("splitter-1.json"), fixture("property-2.json"),
        fixture("project-1.json")};
    const std::string alphabet = "{}[]\":,0123456789eE+-.nultrfas\\u \xff\xc3";
    std::size_t decoded = 0;
    for (int round = 0; round < 3000; ++round) {
        auto text = seeds[static_cast<std::size_t>(round) % seeds.size()];
        const int edits = 1 + static_cast<int>(rng() % 4);
        for (int i = 0; i < edits && !text.empty(); ++i) {
            const auto pos = rng() % text.size();
            switch (rng() % 3) {
            case 0:
                text[pos] = alphabet[rng() % alphabet.size()];
                break;
            case 1:
                text.erase(pos, 1 + rng() % 8);
                break;
            default:
                text.insert(pos, 1, alphabet[rng() % alphabet.size()]);
            }
        }
        try {
            const auto doc = parse_json(text);
            for (const auto& d : documents_of(doc)) {
                try {
                    (void)parse_box(d);
                } catch (const error&) {
                }
                try {
                    (void)parse_splitter(d);
                } catch (const error&) {
                }
                try {
                    (void)parse_property(d);
                } catch (const error&) {
                }
                try {
                    (void)parse_project(d);
                } catch (const error&) {
                }
            }
            ++decoded;
        } catch (const error& e) {
            EXPECT_EQ(e.kind(), error_kind::decode);
        }
    }
    EXPECT_GT(decoded, 0u);
}

}  // namespace
