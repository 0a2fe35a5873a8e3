using Azure.Storage;
using Checkup.Core.Storage;

namespace Checkup.Tests.Foundation;

public sealed class StorageClientsTests
{
    [Fact]
    public void Uploads_to_blob_storage_carry_a_transactional_MD5_for_storage_to_check()
    {
        var options = StorageClients.BlobOptions();

        Assert.Equal(StorageChecksumAlgorithm.MD5, options.TransferValidation.Upload.ChecksumAlgorithm);
    }
}
