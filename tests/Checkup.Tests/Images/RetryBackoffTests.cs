using Checkup.Core.Images;

namespace Checkup.Tests.Images;

public sealed class RetryBackoffTests
{
    private static readonly TimeSpan Base = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan Max = TimeSpan.FromHours(2);

    [Fact]
    public void Doubles_with_every_failure_up_to_the_cap()
    {
        var ceilings = Enumerable.Range(1, 10).Select(n => RetryBackoff.Delay(n, Base, Max, random: 0.999999)).ToList();

        Assert.Equal(Base.TotalMinutes, ceilings[0].TotalMinutes, precision: 2);
        Assert.Equal(2 * Base.TotalMinutes, ceilings[1].TotalMinutes, precision: 2);
        Assert.Equal(4 * Base.TotalMinutes, ceilings[2].TotalMinutes, precision: 2);
        Assert.All(ceilings, d => Assert.True(d <= Max));
        Assert.Equal(Max.TotalMinutes, ceilings[^1].TotalMinutes, precision: 2);
    }

    [Fact]
    public void Jitter_spreads_the_delay_between_half_and_all_of_the_ceiling()
    {
        var low = RetryBackoff.Delay(3, Base, Max, random: 0);
        var high = RetryBackoff.Delay(3, Base, Max, random: 0.999999);

        Assert.Equal(2 * Base.TotalSeconds, low.TotalSeconds, precision: 3);
        Assert.Equal(4 * Base.TotalSeconds, high.TotalSeconds, precision: 2);
        Assert.NotEqual(RetryBackoff.Delay(3, Base, Max, 0.1), RetryBackoff.Delay(3, Base, Max, 0.9));
    }

    [Fact]
    public void Gives_up_at_the_maximum_number_of_attempts()
    {
        var options = new ImageOptions { MaxAttempts = 3, RetryBaseDelay = Base, RetryMaxDelay = Max };

        Assert.NotNull(RetryBackoff.Next(2, options, 0.5));
        Assert.Null(RetryBackoff.Next(3, options, 0.5));
    }
}
