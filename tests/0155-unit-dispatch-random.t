#!/bin/sh
: "${BUILD:=$(dirname "$0")/../build}"
exec "$BUILD/unit/dispatch_random"
