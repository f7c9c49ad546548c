// Test helper (no curl on a fresh machine):
//   http_get <port> <path-and-query> [bearer-token]   prints the body of GET 127.0.0.1:<port>;
//                                                     exit 0 on 200, 1 otherwise
//   http_get --free-port                             prints a free loopback TCP port
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <string>

#include <httplib.h>

int main(int argc, char** argv) {
  if (argc == 2 && std::string(argv[1]) == "--free-port") {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof addr;
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      std::perror("http_get --free-port");
      return 1;
    }
    std::cout << ntohs(addr.sin_port) << "\n";
    ::close(fd);
    return 0;
  }
  if (argc < 3) {
    std::cerr << "usage: http_get <port> <path> [token] | http_get --free-port\n";
    return 2;
  }
  httplib::Client cli("127.0.0.1", std::stoi(argv[1]));
  cli.set_read_timeout(std::chrono::seconds(10));
  httplib::Headers headers;
  if (argc > 3) headers.emplace("Authorization", std::string("Bearer ") + argv[3]);
  auto r = cli.Get(argv[2], headers);
  if (!r) {
    std::cerr << "http_get: " << httplib::to_string(r.error()) << "\n";
    return 1;
  }
  std::cout << r->body;
  return r->status == 200 ? 0 : 1;
}
