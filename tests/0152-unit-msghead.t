#!/bin/sh
: "${BUILD:=$(dirname "$0")/../build}"
export BUILD
exec "$BUILD/unit/msghead"
