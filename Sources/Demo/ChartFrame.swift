import Foundation
import Tasks

/// What every accuracy chart draws the same way, as SVG elements: the frame (title, a grid
/// from 0 to 100%, x ticks, axes), a series of accuracies with their 95% intervals, and the
/// legend on the right.
struct ChartFrame {
    let width = 760.0, height = 440.0
    let left = 60.0, right = 170.0, top = 40.0, bottom = 50.0
    /// The largest x value; x runs from `minX` to it.
    let maxX: Double
    var minX = 0.0
    /// How an x tick is labelled (whole numbers unless told).
    var tickFormat = "%.0f"

    init(maxX: Double, minX: Double = 0, tickFormat: String = "%.0f") {
        self.maxX = maxX
        self.minX = minX
        self.tickFormat = tickFormat
    }

    func x(_ value: Double) -> Double {
        let span = minX == 0 ? max(maxX, 1) : maxX - minX
        return left + (value - minX) / span * (width - left - right)
    }
    func y(_ value: Double) -> Double { top + (1 - value) * (height - top - bottom) }
    func f(_ v: Double) -> String { String(format: "%.1f", v) }

    /// The opening of the SVG through the axes.
    func frame(title: String, xTicks: [Double], xLabel: String) -> [String] {
        var parts = [
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" font-family=\"sans-serif\" font-size=\"12\">",
            "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>",
            "<text x=\"\(f(left))\" y=\"22\" font-size=\"15\">\(Self.escaped(title))</text>",
        ]
        for tick in stride(from: 0.0, through: 1.0, by: 0.2) {
            parts.append("<line x1=\"\(f(left))\" x2=\"\(f(width - right))\" y1=\"\(f(y(tick)))\" y2=\"\(f(y(tick)))\" stroke=\"#ddd\"/>")
            parts.append("<text x=\"\(f(left - 8))\" y=\"\(f(y(tick) + 4))\" text-anchor=\"end\">\(Int(tick * 100))%</text>")
        }
        for tick in xTicks {
            parts.append("<line x1=\"\(f(x(tick)))\" x2=\"\(f(x(tick)))\" y1=\"\(f(y(0)))\" y2=\"\(f(y(0) + 5))\" stroke=\"black\"/>")
            parts.append("<text x=\"\(f(x(tick)))\" y=\"\(f(y(0) + 18))\" text-anchor=\"middle\">\(String(format: tickFormat, tick))</text>")
        }
        parts.append("<line x1=\"\(f(left))\" x2=\"\(f(width - right))\" y1=\"\(f(y(0)))\" y2=\"\(f(y(0)))\" stroke=\"black\"/>")
        parts.append("<line x1=\"\(f(left))\" x2=\"\(f(left))\" y1=\"\(f(y(0)))\" y2=\"\(f(y(1)))\" stroke=\"black\"/>")
        parts.append("<text x=\"\(f((left + width - right) / 2))\" y=\"\(f(height - 10))\" text-anchor=\"middle\">\(Self.escaped(xLabel))</text>")
        return parts
    }

    /// A line through the accuracies, with a dot and an interval bar at each; `shift` moves it
    /// sideways so that series at the same x do not hide each other's bars.
    func series(_ points: [(x: Double, accuracy: Accuracy)], colour: String, shift: Double = 0, dashed: Bool = false) -> [String] {
        var parts = line(points.map { ($0.x, $0.accuracy.accuracy) }, colour: colour, shift: shift, dashed: dashed)
        for (value, a) in points {
            let px = x(value) + shift
            parts.append("<line x1=\"\(f(px))\" x2=\"\(f(px))\" y1=\"\(f(y(a.low)))\" y2=\"\(f(y(a.high)))\" stroke=\"\(colour)\" opacity=\"0.5\"/>")
        }
        return parts
    }

    /// A line through fractions in [0, 1], with a dot at each (no intervals).
    func line(_ points: [(x: Double, y: Double)], colour: String, shift: Double = 0, dashed: Bool = false) -> [String] {
        let placed = points.map { (x($0.x) + shift, y($0.y)) }
        let path = placed.map { "\(f($0.0)),\(f($0.1))" }.joined(separator: " ")
        var parts = ["<polyline points=\"\(path)\" fill=\"none\" stroke=\"\(colour)\" stroke-width=\"2\"\(dashed ? " stroke-dasharray=\"5,4\"" : "")/>"]
        for (px, py) in placed { parts.append("<circle cx=\"\(f(px))\" cy=\"\(f(py))\" r=\"3.5\" fill=\"\(colour)\"/>") }
        return parts
    }

    /// The `index`-th legend entry.
    func legend(_ index: Int, colour: String, text: String, dashed: Bool = false) -> [String] {
        let legendY = top + 10 + Double(index) * 20
        return [
            "<line x1=\"\(f(width - right + 15))\" x2=\"\(f(width - right + 40))\" y1=\"\(f(legendY))\" y2=\"\(f(legendY))\" stroke=\"\(colour)\" stroke-width=\"2\""
                + (dashed ? " stroke-dasharray=\"5,4\"/>" : "/>"),
            "<text x=\"\(f(width - right + 46))\" y=\"\(f(legendY + 4))\">\(Self.escaped(text))</text>",
        ]
    }

    /// Text as SVG character data: a branch or task name cannot break the document.
    static func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}
