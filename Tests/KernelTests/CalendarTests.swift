import Foundation
import Kernel
import Testing

/// K9: the official Chinese working-day calendar and SLA clocks.
@Suite struct CalendarTests {
    let cn = ChineseWorkingDayCalendar.official
    func d(_ s: String) -> LocalDate { try! LocalDate(parsing: s) }

    @Test func nationalDay2025IsOffAndMakeUpDaysWork() {
        for day in 1...8 { #expect(!cn.isWorkingDay(d(String(format: "2025-10-%02d", day)))) }
        #expect(cn.isWorkingDay(d("2025-09-28")))   // Sunday make-up day
        #expect(cn.isWorkingDay(d("2025-10-11")))   // Saturday make-up day
        #expect(!cn.isWorkingDay(d("2025-10-12")))  // ordinary Sunday
        #expect(cn.isWorkingDay(d("2025-10-09")))   // ordinary Thursday
        #expect(cn.holidayName(d("2025-10-03")) == "国庆节、中秋节 (National Day + Mid-Autumn Festival)")
    }

    @Test func springFestival2026() {
        for day in 15...23 { #expect(!cn.isWorkingDay(d(String(format: "2026-02-%02d", day)))) }
        #expect(cn.isWorkingDay(d("2026-02-14")))
        #expect(cn.isWorkingDay(d("2026-02-28")))
        #expect(cn.isWorkingDay(d("2026-01-04")))
    }

    @Test func bundledTableMatchesTheNoticeCounts() {
        let off2025 = cn.holidays.keys.filter { $0.year == 2025 }.count
        let off2026 = cn.holidays.keys.filter { $0.year == 2026 }.count
        #expect(off2025 == 28 && off2026 == 33)
        #expect(cn.makeUpWorkdays.keys.filter { $0.year == 2025 }.count == 5)
        #expect(cn.makeUpWorkdays.keys.filter { $0.year == 2026 }.count == 6)
        #expect(cn.covers(year: 2026) && !cn.covers(year: 2027))
    }

    @Test func countsWorkingDaysAcrossTheGoldenWeek() {
        // Friday 26 Sep 2025 + 7 working days: 28 Sep(Sun, make-up), 29, 30, 9 Oct, 10, 11(Sat, make-up), 13.
        #expect(cn.workingDay(7, after: d("2025-09-26")) == d("2025-10-13"))
        #expect(cn.workingDays(from: d("2025-09-26"), to: d("2025-10-13")) == 7)
        // Plain Mon–Fri would say 7 Oct.
        #expect(WeekdayCalendar().workingDay(7, after: d("2025-09-26")) == d("2025-10-07"))
    }

    @Test func deadlineEndsAtMidnightShanghai() {
        // 2025-09-30 15:00 Shanghai + 1 working day → end of 2025-10-09 (holiday week skipped).
        let start = Date(timeIntervalSince1970: 1_759_215_600) // 2025-09-30T07:00Z
        let due = cn.deadline(workingDays: 1, from: start)
        #expect(due.rfc3339 == "2025-10-09T16:00:00.000Z")
    }

    @Test func localDateArithmetic() throws {
        #expect(d("2024-02-28").adding(days: 1) == d("2024-02-29"))
        #expect(d("2025-12-31").adding(days: 1) == d("2026-01-01"))
        #expect(d("2025-10-01").isoWeekday == 3)
        #expect(throws: DateError.self) { try LocalDate(parsing: "2025-02-29") }
        #expect(throws: DateError.self) { try LocalDate(parsing: "2025-1-01") }
        #expect(LocalDate(Date(timeIntervalSince1970: 1_759_248_000), in: TimeZone(identifier: "Asia/Shanghai")!) == d("2025-10-01"))
    }
}

@Suite struct SLATests {
    let start = Date(timeIntervalSince1970: 1_759_215_600) // Tue 2025-09-30 15:00 Shanghai

    @Test func hourClockStates() {
        let clock = SLAClock(startedAt: start, policy: .hours(24))
        #expect(clock.dueAt == start.addingTimeInterval(86400))
        #expect(clock.state(at: start.addingTimeInterval(3600)) == .running)
        #expect(clock.state(at: start.addingTimeInterval(20 * 3600)) == .dueSoon)
        #expect(clock.state(at: start.addingTimeInterval(24 * 3600)) == .breached)
        #expect(clock.remaining(at: start.addingTimeInterval(25 * 3600)) == -3600)
    }

    @Test func completionIsMetOrLate() {
        var clock = SLAClock(startedAt: start, policy: .hours(6))
        clock.completedAt = start.addingTimeInterval(5 * 3600)
        #expect(clock.state(at: start.addingTimeInterval(100 * 3600)) == .met)
        clock.completedAt = start.addingTimeInterval(7 * 3600)
        #expect(clock.state(at: start) == .metLate)
    }

    @Test func workingDayPolicySkipsHolidays() {
        let clock = SLAClock(startedAt: start, policy: .workingDays(7, ChineseWorkingDayCalendar.official))
        // 7 working days after 30 Sep 2025: 9, 10, 11(Sat make-up), 13, 14, 15, 16 Oct → due end of 16 Oct.
        #expect(clock.dueAt.rfc3339 == "2025-10-16T16:00:00.000Z")
        #expect(clock.state(at: Date(timeIntervalSince1970: 1_760_054_400)) == .running)   // 2025-10-10
        #expect(clock.state(at: Date(timeIntervalSince1970: 1_760_400_000)) == .dueSoon)   // 2025-10-14, last 20%
    }
}
