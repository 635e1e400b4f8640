#!/bin/sh
: "${BUILD:=$(dirname "$0")/../build}"
exec "$BUILD/unit/rcptfold_keyed"
