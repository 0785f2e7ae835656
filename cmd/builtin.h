/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef NSALIGN_BUILTIN_H
#define NSALIGN_BUILTIN_H
struct nsa_ctx;
int cmd_list(int argc, char **argv, struct nsa_ctx *ctx);
int cmd_check(int argc, char **argv, struct nsa_ctx *ctx);
int cmd_snapshot(int argc, char **argv, struct nsa_ctx *ctx);
#endif
