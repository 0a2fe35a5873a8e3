using Checkup.Functions.Triggers;

namespace Checkup.Tests.Triggers;

public sealed class CronScheduleTests
{
    [Theory]
    [InlineData("0 */5 * * * *", "2026-11-22T10:02:30Z", "2026-11-22T10:05:00Z")]
    [InlineData("0 */5 * * * *", "2026-11-22T10:05:00Z", "2026-11-22T10:10:00Z")]
    [InlineData("0 */5 * * * *", "2026-11-22T23:58:00Z", "2026-11-23T00:00:00Z")]
    [InlineData("*/10 * * * * *", "2026-11-22T10:00:01Z", "2026-11-22T10:00:10Z")]
    [InlineData("0 30 9 * * 1-5", "2026-11-21T12:00:00Z", "2026-11-23T09:30:00Z")] // Saturday -> Monday
    [InlineData("0 0 0 1 1,7 *", "2026-02-01T00:00:00Z", "2026-07-01T00:00:00Z")]
    public void Finds_the_next_occurrence(string expression, string after, string expected)
    {
        var next = CronSchedule.Parse(expression).Next(DateTimeOffset.Parse(after, System.Globalization.CultureInfo.InvariantCulture));

        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), next);
    }

    [Theory]
    [InlineData("*/5 * * * *")]
    [InlineData("0 61 * * * *")]
    [InlineData("0 */0 * * * *")]
    [InlineData("0 a * * * *")]
    public void Refuses_expressions_it_cannot_run(string expression) =>
        Assert.Throws<FormatException>(() => CronSchedule.Parse(expression));
}
