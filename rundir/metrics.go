package rundir

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"math"
	"os"
	"slices"
	"sort"
	"strconv"

	"github.com/rbmscope/rbmscope/internal/atomicfile"
)

// Metrics is one row of metrics.csv: the state after Epoch epochs.
// Fields that were not measured are NaN (an empty cell in the file).
type Metrics struct {
	Epoch          int     `json:"epoch"`
	Seconds        float64 `json:"seconds"`         // wall seconds of the epoch's updates (training only)
	Updates        int     `json:"updates"`         // parameter updates so far
	ReconError     float64 `json:"recon_error"`     // mean squared error of v vs p(v|h), h ~ p(h|v), on the eval subset
	PseudoLL       float64 `json:"pseudo_ll"`       // exact pseudo-log-likelihood per visible unit on the eval subset
	LLAIS          float64 `json:"ll_ais"`          // test LL from AIS (stochastic upper bound)
	LLAISErr       float64 `json:"ll_ais_err"`      //
	LLRAIS         float64 `json:"ll_rais"`         // test LL from reverse AIS (stochastic lower bound)
	LLRAISErr      float64 `json:"ll_rais_err"`     //
	MetricsSeconds float64 `json:"metrics_seconds"` // wall seconds of this row's recon error and pseudo-LL (not in Seconds)
	LLPTT          float64 `json:"ll_ptt"`          // test LL from the log Z that train --method ptt carried along (a frozen checkpoint)
	LLPTTErr       float64 `json:"ll_ptt_err"`      // its standard error (log Z only)
	LLTraj         float64 `json:"ll_traj"`         // test LL from the trajectory estimator (Bennett acceptance ratio)
	LLTrajErr      float64 `json:"ll_traj_err"`     //
	LLTrajLower    float64 `json:"ll_traj_lower"`   // from its reverse (upper) log Z
	LLTrajUpper    float64 `json:"ll_traj_upper"`   // from its forward (lower) log Z
}

// metricsHeader is the header of metrics.csv. Columns added later come
// last so the older ones keep their positions; ReadMetrics finds columns
// by name and accepts files without those after the first
// requiredColumns (written before they existed).
var metricsHeader = []string{"epoch", "seconds", "updates", "recon_error", "pseudo_ll", "ll_ais", "ll_ais_err", "ll_rais", "ll_rais_err", "metrics_seconds", "ll_ptt", "ll_ptt_err",
	"ll_traj", "ll_traj_err", "ll_traj_lower", "ll_traj_upper"}

// requiredColumns is how many leading columns of metricsHeader a
// metrics.csv must have.
const requiredColumns = 9

// NewMetrics returns a row with every measurement unset (NaN).
func NewMetrics(epoch int) Metrics {
	n := math.NaN()
	return Metrics{Epoch: epoch, Seconds: n, ReconError: n, PseudoLL: n, LLAIS: n, LLAISErr: n, LLRAIS: n, LLRAISErr: n, MetricsSeconds: n, LLPTT: n, LLPTTErr: n,
		LLTraj: n, LLTrajErr: n, LLTrajLower: n, LLTrajUpper: n}
}

func fmtF(x float64) string {
	if math.IsNaN(x) {
		return ""
	}
	return strconv.FormatFloat(x, 'g', 10, 64)
}

// WriteMetrics writes DIR/metrics.csv atomically.
func WriteMetrics(dir string, ms []Metrics) error {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write(metricsHeader)
	for _, m := range ms {
		w.Write([]string{strconv.Itoa(m.Epoch), fmtF(m.Seconds), strconv.Itoa(m.Updates), fmtF(m.ReconError), fmtF(m.PseudoLL),
			fmtF(m.LLAIS), fmtF(m.LLAISErr), fmtF(m.LLRAIS), fmtF(m.LLRAISErr), fmtF(m.MetricsSeconds), fmtF(m.LLPTT), fmtF(m.LLPTTErr),
			fmtF(m.LLTraj), fmtF(m.LLTrajErr), fmtF(m.LLTrajLower), fmtF(m.LLTrajUpper)})
	}
	w.Flush()
	return atomicfile.WriteBytes(MetricsPath(dir), buf.Bytes())
}

// ReadMetrics reads DIR/metrics.csv (an empty list if it does not exist).
func ReadMetrics(dir string) ([]Metrics, error) {
	p := MetricsPath(dir)
	b, err := os.ReadFile(p)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%s: %v", p, err)
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("%s: no header", p)
	}
	col := map[string]int{}
	for k, h := range rows[0] {
		col[h] = k
	}
	for _, h := range metricsHeader[:requiredColumns] {
		if _, ok := col[h]; !ok {
			return nil, fmt.Errorf("%s: unexpected header (no %s column)", p, h)
		}
	}
	var out []Metrics
	for i, r := range rows[1:] {
		m, err := parseRow(r, col)
		if err != nil {
			return nil, fmt.Errorf("%s line %d: %v", p, i+2, err)
		}
		out = append(out, m)
	}
	return out, nil
}

func parseRow(r []string, col map[string]int) (Metrics, error) {
	m := NewMetrics(0)
	var err error
	if m.Epoch, err = strconv.Atoi(r[col["epoch"]]); err != nil {
		return m, fmt.Errorf("bad epoch %q", r[col["epoch"]])
	}
	if m.Updates, err = strconv.Atoi(r[col["updates"]]); err != nil {
		return m, fmt.Errorf("bad updates %q", r[col["updates"]])
	}
	for k, dst := range []*float64{nil, &m.Seconds, nil, &m.ReconError, &m.PseudoLL, &m.LLAIS, &m.LLAISErr, &m.LLRAIS, &m.LLRAISErr, &m.MetricsSeconds, &m.LLPTT, &m.LLPTTErr,
		&m.LLTraj, &m.LLTrajErr, &m.LLTrajLower, &m.LLTrajUpper} {
		c, ok := col[metricsHeader[k]]
		if dst == nil || !ok || r[c] == "" {
			continue
		}
		if *dst, err = strconv.ParseFloat(r[c], 64); err != nil {
			return m, fmt.Errorf("bad %s %q", metricsHeader[k], r[c])
		}
	}
	return m, nil
}

// LL is a log-likelihood sandwich to store in metrics.csv: AIS (an upper
// bound) and reverse AIS (a lower bound), each with its error, and the
// trajectory estimate with its error and its two one-sided values.
type LL struct {
	AIS, AISErr, RAIS, RAISErr float64
	Traj, TrajErr              float64
	TrajLower, TrajUpper       float64
}

// NoLL is an LL with every estimate unset (NaN).
func NoLL() LL {
	n := math.NaN()
	return LL{n, n, n, n, n, n, n, n}
}

// UpdateLL writes the AIS and reverse-AIS log-likelihoods of epoch into
// DIR/metrics.csv, adding a row (other fields unset) when the epoch has
// none, and keeps the rows sorted by epoch. It is a read-modify-write
// under the metrics lock (UpdateMetrics), so concurrent evaluations and
// the trainer keep each other's values.
//
// NaN policy: a NaN never overwrites a stored value. An estimate that was
// not made (or failed) leaves the column as it was, so evaluating AIS
// alone keeps an earlier reverse-AIS result and vice versa. Each pair
// (value, error) is written together, decided by the value. A trajectory
// estimate (ll_traj set) writes all four trajectory columns, NaN included,
// since they are one estimate's; without ll_traj its lower and upper
// values are written each on its own.
func UpdateLL(dir string, epoch int, ll LL) error {
	return UpdateMetrics(dir, func(ms []Metrics) []Metrics {
		i := slices.IndexFunc(ms, func(m Metrics) bool { return m.Epoch == epoch })
		if i < 0 {
			ms = append(ms, NewMetrics(epoch))
			i = len(ms) - 1
		}
		m := &ms[i]
		if !math.IsNaN(ll.AIS) {
			m.LLAIS, m.LLAISErr = ll.AIS, ll.AISErr
		}
		if !math.IsNaN(ll.RAIS) {
			m.LLRAIS, m.LLRAISErr = ll.RAIS, ll.RAISErr
		}
		if !math.IsNaN(ll.Traj) {
			// one trajectory estimate: its four columns together, so a
			// method without a lower side at this epoch (trajectory AIS)
			// does not leave another method's value beside its own
			m.LLTraj, m.LLTrajErr, m.LLTrajLower, m.LLTrajUpper = ll.Traj, ll.TrajErr, ll.TrajLower, ll.TrajUpper
		} else {
			if !math.IsNaN(ll.TrajLower) {
				m.LLTrajLower = ll.TrajLower
			}
			if !math.IsNaN(ll.TrajUpper) {
				m.LLTrajUpper = ll.TrajUpper
			}
		}
		sort.SliceStable(ms, func(a, c int) bool { return ms[a].Epoch < ms[c].Epoch })
		return ms
	})
}
