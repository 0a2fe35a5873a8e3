using System.Globalization;
using NCrontab;

namespace FunctionsHost.Timers;

/// <summary>A timerTrigger schedule: NCRONTAB with seconds (six fields) or five fields, or a TimeSpan.</summary>
internal abstract class TimerSchedule
{
    public abstract DateTime GetNextOccurrence(DateTime now);

    /// <summary>A TimeSpan schedule counts from the last run; a cron schedule from the clock.</summary>
    public virtual bool IsInterval => false;

    /// <summary>The Azure host monitors a schedule by default when its occurrences are a minute or more apart.</summary>
    public bool IsAtLeastOneMinute(DateTime now)
    {
        var first = GetNextOccurrence(now);
        return GetNextOccurrence(first) - first >= TimeSpan.FromMinutes(1);
    }

    public static TimerSchedule Parse(string expression)
    {
        var fields = expression.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length is 5 or 6)
        {
            var schedule = CrontabSchedule.TryParse(expression, new CrontabSchedule.ParseOptions { IncludingSeconds = fields.Length == 6 });
            if (schedule is not null)
            {
                return new Cron(schedule, expression);
            }
        }
        if (TimeSpan.TryParse(expression, CultureInfo.InvariantCulture, out var interval) && interval > TimeSpan.Zero)
        {
            return new Interval(interval);
        }
        throw new InvalidOperationException($"The timer schedule '{expression}' is neither an NCRONTAB expression ('0 */5 * * * *') nor a TimeSpan ('00:05:00').");
    }

    private sealed class Cron(CrontabSchedule schedule, string expression) : TimerSchedule
    {
        public override DateTime GetNextOccurrence(DateTime now) => schedule.GetNextOccurrence(now);

        /// <summary>As the function declares it ("0 */5 * * * *"), not NCrontab's expansion of every field.</summary>
        public override string ToString() => expression;
    }

    private sealed class Interval(TimeSpan interval) : TimerSchedule
    {
        public override DateTime GetNextOccurrence(DateTime now) => now + interval;

        public override bool IsInterval => true;

        public override string ToString() => interval.ToString();
    }
}
