// The compiled parts of Asio, Beast, Asio's SSL layer and Boost.JSON, built once here
// so that no other translation unit pays for them (see BOOST_*_SEPARATE_COMPILATION in
// CMakeLists.txt).
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
#include <boost/beast/src.hpp>
#include <boost/json/src.hpp>
