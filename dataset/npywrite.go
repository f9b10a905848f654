package dataset

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"strings"

	"github.com/rbmscope/rbmscope/internal/atomicfile"
	"github.com/rbmscope/rbmscope/tensor"
)

// WriteNPY writes the 0/1 matrix x to path atomically as a .npy file
// (format 1.0, dtype uint8, C order, shape rows × cols), which LoadNPY and
// numpy.load read back. Entries other than 0 and 1 are an error.
func WriteNPY(path string, x *tensor.Mat32) error {
	for k, v := range x.Data {
		if v != 0 && v != 1 {
			return fmt.Errorf("write %s: entry (%d,%d) is %v; only 0/1 matrices are written", path, k/x.Cols, k%x.Cols, v)
		}
	}
	hdr := fmt.Sprintf("{'descr': '|u1', 'fortran_order': False, 'shape': (%d, %d), }", x.Rows, x.Cols)
	// Magic (6) + version (2) + length (2) + header + '\n' is padded with
	// spaces to a multiple of 64 bytes.
	pad := (64 - (10+len(hdr)+1)%64) % 64
	hdr += strings.Repeat(" ", pad) + "\n"
	return atomicfile.WriteFile(path, func(w io.Writer) error {
		bw := bufio.NewWriter(w)
		bw.WriteString("\x93NUMPY\x01\x00")
		binary.Write(bw, binary.LittleEndian, uint16(len(hdr)))
		bw.WriteString(hdr)
		for _, v := range x.Data {
			bw.WriteByte(byte(v))
		}
		return bw.Flush()
	})
}
