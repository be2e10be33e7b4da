# Finds OpenCV's core, imgproc, imgcodecs and dnn without its CMake package, which Debian ships
# only in libopencv-dev (that package drags in highgui, built on Qt 5, which must never share a
# process with our Qt 6). Defines OpenCV_INCLUDE_DIRS and the imported targets OpenCV::core,
# OpenCV::imgproc, OpenCV::imgcodecs and OpenCV::dnn (core, imgproc and protobuf underneath: the
# benchmark's peer for network layers). OpenCV_LIBS lists the first three.

find_path(OpenCV_INCLUDE_DIR opencv2/core.hpp PATH_SUFFIXES opencv4)
set(_opencv_modules core imgproc imgcodecs dnn)
set(_opencv_required OpenCV_INCLUDE_DIR)
foreach(module IN LISTS _opencv_modules)
    find_library(OpenCV_${module}_LIBRARY opencv_${module})
    list(APPEND _opencv_required OpenCV_${module}_LIBRARY)
endforeach()

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(OpenCVModules REQUIRED_VARS ${_opencv_required})

if(OpenCVModules_FOUND)
    set(OpenCV_INCLUDE_DIRS ${OpenCV_INCLUDE_DIR})
    foreach(module IN LISTS _opencv_modules)
        if(NOT TARGET OpenCV::${module})
            add_library(OpenCV::${module} UNKNOWN IMPORTED)
            set_target_properties(OpenCV::${module} PROPERTIES
                IMPORTED_LOCATION ${OpenCV_${module}_LIBRARY}
                INTERFACE_SYSTEM_INCLUDE_DIRECTORIES ${OpenCV_INCLUDE_DIR}
                INTERFACE_INCLUDE_DIRECTORIES ${OpenCV_INCLUDE_DIR})
        endif()
    endforeach()
    set(OpenCV_LIBS OpenCV::core OpenCV::imgproc OpenCV::imgcodecs)
endif()
