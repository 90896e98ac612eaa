// Copyright 2026 The tenas Authors.
//
// tenas: the command-line client of tenas-server.

#include "client/client_commands.h"

int main(int argc, char** argv) { return tenas::client::RunTenas(argc, argv); }
