namespace PcpTestbed.Model;

/// <summary>
/// enum rmqueue_mode: where __rmqueue() last found pages, so that rmqueue_bulk() skips the modes
/// that already failed under the same zone->lock hold.
/// </summary>
public enum RmqueueMode
{
    Normal,
    Cma,
    Claim,
    Steal,
}
