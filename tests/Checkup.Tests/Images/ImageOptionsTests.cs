using Checkup.Tests.Infrastructure;
using Microsoft.Extensions.Options;

namespace Checkup.Tests.Images;

public sealed class ImageOptionsTests
{
    [Theory]
    [InlineData("Images:MaxBytes", "0", "Images__MaxBytes")]
    [InlineData("Images:MaxPixels", "-1", "Images__MaxPixels")]
    [InlineData("Images:MaxAttempts", "0", "Images__MaxAttempts")]
    [InlineData("Images:RetryMaxDelay", "00:00:01", "Images__RetryMaxDelay")] // below the default base delay
    [InlineData("Triggers:CleanupSchedule", "*/5 * * * *", "Triggers__CleanupSchedule")]
    public async Task Startup_refuses_unusable_pipeline_settings_naming_them(string key, string value, string expected)
    {
        await using var factory = new CheckupFactory(new Dictionary<string, string?> { [key] = value });

        var error = Assert.ThrowsAny<Exception>(() => factory.CreateClient());

        var validation = Assert.IsType<OptionsValidationException>(Unwrap(error));
        Assert.Contains(expected, validation.Message, StringComparison.Ordinal);
    }

    private static Exception Unwrap(Exception e) => e is AggregateException { InnerExceptions.Count: 1 } aggregate ? Unwrap(aggregate.InnerExceptions[0]) : e;
}
