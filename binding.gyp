{
  "target_defaults": {
    "cflags_cc": ["-std=c++17", "-Wall", "-Wextra", "-fstack-protector-strong", "-O2"],
    "cflags_cc!": ["-fno-exceptions", "-std=gnu++17"],
    "defines": ["NAPI_VERSION=8", "NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS"]
  },
  "targets": [
    {
      "target_name": "vnetkit",
      "dependencies": ["<!(node -p \"require('node-addon-api').targets\"):node_addon_api_except"],
      "sources": [
        "native/addon.cc",
        "native/errors.cc",
        "native/fault.cc",
        "native/netlink_socket.cc",
        "native/nl_io.cc",
        "native/nl_io_js.cc",
        "native/ns_create.cc",
        "native/ns_ops.cc",
        "native/ns_runner.cc",
        "native/ns_sockets.cc",
        "native/packet_io.cc",
        "native/packet_io_js.cc",
        "native/sysctl.cc",
        "native/sysctl_list.cc",
        "native/tun.cc"
      ],
      "conditions": [
        ["OS!='linux'", { "type": "none" }]
      ]
    },
    {
      "target_name": "vnetkit-nsexec",
      "type": "executable",
      "sources": ["native/nsexec.c"],
      "cflags": ["-Wall", "-Wextra", "-O2", "-fstack-protector-strong"],
      "conditions": [
        ["OS!='linux'", { "type": "none" }]
      ]
    }
  ]
}
